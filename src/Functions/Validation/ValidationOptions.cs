using System.ComponentModel.DataAnnotations;

namespace MLOps.Functions.Validation;

/// <summary>Limits of dataset validation.</summary>
public sealed class ValidationOptions
{
    public const string SectionName = "MLOps:Validation";

    /// <summary>The longest CSV record accepted; longer is a format failure (guards memory against an unclosed quote).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRecordBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest Parquet row group read at once (uncompressed bytes of the columns read).</summary>
    [Range(1024 * 1024, 4L * 1024 * 1024 * 1024)]
    public long MaxRowGroupBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Uniqueness keys kept in memory per rule before sorted runs are spilled to disk (16 bytes each: 2,000,000 is 32 MB).
    /// </summary>
    [Range(1000, 100_000_000)]
    public int UniqueKeysInMemory { get; set; } = 2_000_000;

    /// <summary>Where uniqueness runs and Parquet files are spooled; empty for the system temp folder.</summary>
    public string SpoolDirectory { get; set; } = string.Empty;

    /// <summary>Largest expectations document accepted by PUT /api/models/{name}/expectations.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxExpectationsBytes { get; set; } = 1024 * 1024;
}
