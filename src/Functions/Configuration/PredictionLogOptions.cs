using System.ComponentModel.DataAnnotations;

namespace MLOps.Functions.Configuration;

/// <summary>Buffering of scored rows on their way to storage.</summary>
public sealed class PredictionLogOptions
{
    public const string SectionName = "MLOps:PredictionLog";

    /// <summary>Rows held in memory; when full, new rows are shed and counted rather than slowing requests.</summary>
    [Range(1, 10_000_000)]
    public int Capacity { get; set; } = 10_000;

    /// <summary>Most bytes of log lines held in memory, whatever the row count (wide inputs make long lines).</summary>
    [Range(64 * 1024, 1L << 32)]
    public long MaxBufferedBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Rows that make a batch worth writing before the flush interval is up.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>Longest a row waits in memory before its batch is written.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Set false to serve without recording predictions (drift checks then see nothing).</summary>
    public bool Enabled { get; set; } = true;
}
