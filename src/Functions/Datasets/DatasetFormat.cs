namespace MLOps.Functions.Datasets;

/// <summary>The tabular file formats datasets are read from.</summary>
public enum DatasetFormat
{
    Csv,
    Parquet,
}

/// <summary>Tells CSV from Parquet by the first bytes, then by the file name.</summary>
public static class DatasetFormats
{
    /// <summary>Every Parquet file starts (and ends) with these four bytes.</summary>
    public static ReadOnlySpan<byte> ParquetMagic => "PAR1"u8;

    /// <summary>
    /// Parquet when the content starts with <c>PAR1</c> or the name ends in .parquet/.pq; otherwise CSV (any text).
    /// </summary>
    /// <remarks>
    /// The magic bytes win over the name, so a Parquet file uploaded as <c>data.csv</c> is still read as Parquet; a
    /// <c>.parquet</c> name without the magic is read as Parquet too, and fails there with a message that says so.
    /// </remarks>
    public static DatasetFormat Detect(string? name, ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(ParquetMagic))
        {
            return DatasetFormat.Parquet;
        }

        var extension = Path.GetExtension(name ?? string.Empty);
        return extension.Equals(".parquet", StringComparison.OrdinalIgnoreCase) || extension.Equals(".pq", StringComparison.OrdinalIgnoreCase)
            ? DatasetFormat.Parquet
            : DatasetFormat.Csv;
    }
}
