using System.ComponentModel.DataAnnotations;

namespace MLOps.Functions.Local.Blobs;

/// <summary>The local host's blob trigger: how often it scans, how long a claim lasts, when a blob becomes poison.</summary>
public sealed class BlobTriggerOptions
{
    public const string SectionName = "MLOps:BlobTrigger";

    /// <summary>Run the container scan (local host only; Azure uses its own trigger).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between scans of each trigger's container.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a claim on a blob lasts unless renewed; an instance that dies mid-blob loses it after this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per blob (name + ETag) before it is recorded as poison; 5 as in Azure Functions.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before retrying a failed blob, times the attempt number.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Blobs processed at once per instance.</summary>
    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 2;
}
