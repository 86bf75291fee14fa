namespace MLOps.Functions.Datasets;

/// <summary>How a <see cref="TabularReader"/> reads a file.</summary>
public sealed record TabularReaderOptions
{
    public static TabularReaderOptions Default { get; } = new();

    /// <summary>The CSV separator; null detects it from the first lines among <c>, ; \t |</c>.</summary>
    public char? Delimiter { get; init; }

    /// <summary>Whether the first CSV record is a header (default true). Without one, columns are named column1, column2, ...</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>CSV cell values, besides the empty cell, that mean "no value" (matched exactly, after trimming nothing).</summary>
    public IReadOnlyList<string> NullValues { get; init; } = [];

    /// <summary>The longest CSV record accepted, in bytes. Guards memory against an unclosed quote at the start of a huge file.</summary>
    public int MaxRecordBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// The largest Parquet row group accepted, in uncompressed bytes of the columns read. A row group is read whole, so
    /// this bounds memory (about twice this, as nullable arrays).
    /// </summary>
    public long MaxRowGroupBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Parquet: read only these columns (by name); null reads all. Columns not in the file are ignored.</summary>
    public IReadOnlyCollection<string>? Columns { get; init; }

    /// <summary>Compute the SHA-256 of the file's bytes while reading; see <see cref="TabularReader.CompleteAsync"/>.</summary>
    public bool ComputeSha256 { get; init; }

    /// <summary>
    /// Where a Parquet file is spooled when the input cannot seek or a hash is wanted (null: the system temp folder).
    /// The spool file is deleted when the reader is disposed.
    /// </summary>
    public string? SpoolDirectory { get; init; }
}
