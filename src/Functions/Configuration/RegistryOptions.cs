using System.ComponentModel.DataAnnotations;

namespace MLOps.Functions.Configuration;

/// <summary>Limits and caching of the model registry.</summary>
public sealed class RegistryOptions
{
    public const string SectionName = "MLOps:Registry";

    /// <summary>Largest ONNX artifact accepted at registration.</summary>
    [Range(1024, 2L * 1024 * 1024 * 1024)]
    public long MaxModelBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary>Largest metadata part accepted at registration; it is stored in a table entity.</summary>
    [Range(1024, 60 * 1024)]
    public int MaxMetadataBytes { get; set; } = 60 * 1024;

    /// <summary>How often each instance re-reads aliases moved by other instances.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan AliasRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many loaded model versions an instance keeps beyond those that hold an alias.</summary>
    [Range(1, 1000)]
    public int SessionCacheCapacity { get; set; } = 8;
}
