using System.ComponentModel.DataAnnotations;

namespace MLOps.Functions.Configuration;

/// <summary>Buffering of scored rows on their way to storage.</summary>
public sealed class PredictionLogOptions
{
    public const string SectionName = "MLOps:PredictionLog";

    /// <summary>Rows held in memory; when full, new rows are shed and counted rather than slowing requests.</summary>
    /// <remarks>Ten batches: at 25,000 predictions a second that is two seconds of a slow storage account before any row is shed.</remarks>
    [Range(1, 10_000_000)]
    public int Capacity { get; set; } = 50_000;

    /// <summary>Most bytes of log lines held in memory, whatever the row count (wide inputs make long lines).</summary>
    [Range(64 * 1024, 1L << 32)]
    public long MaxBufferedBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Rows that make a batch worth writing before the flush interval is up (so do 4 MiB of lines, one append block).</summary>
    /// <remarks>
    /// Every batch is one storage write (an append block) per model version, and each is a billed transaction that
    /// also counts toward the 50,000 blocks an append blob can hold. 5,000 rows of a typical tabular model are about
    /// 1.5 MB: at 25,000 predictions a second that is 5 writes a second instead of the 50 that 500-row batches made,
    /// and the emulator's CPU in the load run fell by about a third (two runs minutes apart; docs/benchmarks.md).
    /// </remarks>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Longest a row waits in memory before its batch is written.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How log blobs are stored: <see cref="PredictionLogCompression.Gzip"/> (<c>.jsonl.gz</c>, the default) or <see cref="PredictionLogCompression.None"/> (<c>.jsonl</c>).</summary>
    /// <remarks>
    /// Log lines of a tabular model compress about fivefold at gzip's fastest level (5,000 churn rows: 1.55 MB to 0.29 MB),
    /// which divides storage, the bytes of every append and the drift check's downloads by that much (and the emulator's
    /// CPU, which checksums every appended byte; docs/benchmarks.md).
    /// Compression happens in the background writer, never on the request path. The drift check and feedback read both
    /// forms, so changing this leaves older blobs readable.
    /// </remarks>
    public PredictionLogCompression Compression { get; set; } = PredictionLogCompression.Gzip;

    /// <summary>Set false to serve without recording predictions (drift checks then see nothing).</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>How prediction log blobs are stored (see <see cref="MLOps.Functions.PredictionLog.PredictionLogFormat"/>).</summary>
public enum PredictionLogCompression
{
    /// <summary>Plain JSON lines, <c>.jsonl</c>.</summary>
    None,

    /// <summary>JSON lines in one gzip member per append, <c>.jsonl.gz</c>.</summary>
    Gzip,
}
