using System.IO.Compression;

namespace MLOps.Functions.PredictionLog;

/// <summary>How a prediction log blob is stored: JSON lines, plain (<c>.jsonl</c>) or gzip-compressed (<c>.jsonl.gz</c>).</summary>
/// <remarks>
/// A compressed blob is a series of gzip members, one per append, each holding whole lines. Concatenated members are
/// one valid gzip file (RFC 1952), so <c>zcat</c>, Python's <c>gzip</c>, pandas' <c>read_json(..., lines=True)</c> and
/// .NET's <see cref="GZipStream"/> read the blob as the lines in the order they were appended, and every prefix that
/// ends at an append boundary is itself a complete file. Readers tell the two forms apart by the name.
/// </remarks>
public static class PredictionLogFormat
{
    public const string PlainExtension = ".jsonl";

    public const string GzipExtension = ".jsonl.gz";

    public static bool IsCompressed(string blobName) => blobName.EndsWith(GzipExtension, StringComparison.Ordinal);

    /// <summary>The lines of a stored log blob: the stream itself, or a decompressing view over it (which owns it).</summary>
    public static Stream OpenLines(string blobName, Stream stored) =>
        IsCompressed(blobName) ? new GZipStream(stored, CompressionMode.Decompress, leaveOpen: false) : stored;
}
