namespace MLOps.Functions.Datasets;

/// <summary>The file cannot be read as a table at all: empty, binary, truncated, or structurally broken.</summary>
/// <remarks>
/// Thrown instead of the CSV or Parquet library's own exceptions so that callers handle one type and can put its
/// message, which names the problem in terms of the file and never quotes cell values, in a report.
/// </remarks>
public sealed class TabularFormatException : Exception
{
    public TabularFormatException(string message, long? row = null, Exception? inner = null)
        : base(message, inner)
    {
        Row = row;
    }

    /// <summary>The 1-based data row where the problem was found, when it is tied to one.</summary>
    public long? Row { get; }
}
