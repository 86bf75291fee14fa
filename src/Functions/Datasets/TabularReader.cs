using System.Text;
using System.Text.Unicode;

namespace MLOps.Functions.Datasets;

/// <summary>
/// Reads a CSV or Parquet file one row at a time with bounded memory, giving each cell as raw text and as typed values.
/// </summary>
/// <remarks>
/// <para>
/// The low-level reader shared by data validation and training: it knows nothing of models or rules. CSV is read with
/// CsvHelper (separator detection or a fixed separator, BOM, CRLF, quoted fields); a record whose field count differs
/// from the header is returned as it is (see <see cref="FieldCount"/>), and quoting problems are counted in
/// <see cref="MalformedRecords"/>, so one bad line never stops a read. Parquet is read with Parquet.Net one row group at
/// a time. Neither ever loads the whole file.
/// </para>
/// <para>
/// Whatever makes the file unreadable as a table (empty, binary, not Parquet, nested columns, a record or row group over
/// the limits) is a <see cref="TabularFormatException"/>; no other exception type escapes for bad content.
/// </para>
/// </remarks>
public abstract class TabularReader : IAsyncDisposable, MLOps.Domain.Validation.ITabularRow
{
    /// <summary>How much of the start of a file is examined to tell its format and catch binary content.</summary>
    public const int SniffBytes = 64 * 1024;

    private byte[] _utf8 = new byte[256];

    private protected TabularReader(IReadOnlyList<TabularColumn> columns) => Columns = columns;

    public abstract DatasetFormat Format { get; }

    /// <summary>The header (CSV) or schema (Parquet) columns, in file order.</summary>
    public IReadOnlyList<TabularColumn> Columns { get; private protected set; }

    /// <summary>The 1-based number of the current data row (the header is not counted); 0 before the first read.</summary>
    public long RowNumber { get; private protected set; }

    /// <summary>Fields in the current row. For CSV this can differ from <see cref="Columns"/>.Count; Parquet rows always match.</summary>
    public abstract int FieldCount { get; }

    /// <summary>The CSV separator in use (given or detected); null for Parquet.</summary>
    public virtual char? Delimiter => null;

    /// <summary>CSV records with broken quoting (stray or unterminated quotes) seen so far; they are still returned, recovered.</summary>
    public long MalformedRecords { get; private protected set; }

    /// <summary>The first few malformed records: row number and what is wrong (never the content).</summary>
    public IReadOnlyList<TabularIssue> Issues => IssueList;

    /// <summary>Bytes of the file consumed so far (approximate while reading; exact after <see cref="CompleteAsync"/>).</summary>
    public abstract long BytesRead { get; }

    private protected List<TabularIssue> IssueList { get; } = [];

    /// <summary>Opens a reader, telling the format from the first bytes and <paramref name="name"/>.</summary>
    public static async Task<TabularReader> OpenAsync(Stream stream, string? name, TabularReaderOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= TabularReaderOptions.Default;
        var (source, head, hash) = await PrepareAsync(stream, options, cancellationToken).ConfigureAwait(false);
        return await OpenPreparedAsync(source, head, hash, DatasetFormats.Detect(name, head.Span), options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Advances to the next row; false at the end of the file.</summary>
    public abstract ValueTask<bool> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Whether the cell is missing: an empty CSV cell (or a configured null value, or a field past the end of a short record), or a Parquet null.</summary>
    public abstract bool IsNull(int column);

    /// <summary>The cell as text (CSV as written; Parquet values in invariant form), or null when <see cref="IsNull"/>.</summary>
    public abstract string? GetString(int column);

    /// <summary>The cell as text without allocating; valid until the next call on this reader. Empty when null.</summary>
    public abstract ReadOnlySpan<char> GetChars(int column);

    /// <summary>The cell as UTF-8 text, valid until the next call on this reader; false (and empty) when null.</summary>
    /// <remarks>This default transcodes <see cref="GetChars"/>; the CSV reader returns the bytes it holds.</remarks>
    public virtual bool TryGetUtf8(int column, out ReadOnlySpan<byte> text)
    {
        if (IsNull(column))
        {
            text = [];
            return false;
        }

        var chars = GetChars(column);
        var most = Encoding.UTF8.GetMaxByteCount(chars.Length);
        if (_utf8.Length < most)
        {
            _utf8 = new byte[Math.Max(most, _utf8.Length * 2)];
        }

        text = _utf8.AsSpan(0, Encoding.UTF8.GetBytes(chars, _utf8));
        return true;
    }

    /// <summary>The cell as a double: any numeric Parquet value, or CSV text in invariant format. False when null or not a number.</summary>
    public abstract bool TryGetDouble(int column, out double value);

    /// <summary>The cell as a whole number: integer Parquet columns, or CSV text that is an integer. False otherwise.</summary>
    public abstract bool TryGetInt64(int column, out long value);

    /// <summary>The cell as a boolean: Parquet booleans, or CSV text true/false, yes/no, 1/0 (any case). False otherwise.</summary>
    public abstract bool TryGetBoolean(int column, out bool value);

    /// <summary>The cell as a point in time: Parquet timestamps and dates, or CSV text in ISO 8601. False otherwise.</summary>
    public abstract bool TryGetDateTimeOffset(int column, out DateTimeOffset value);

    /// <summary>Reads to the end of the input (rows are not parsed further) and returns the byte count and, if asked for, the SHA-256.</summary>
    public abstract Task<TabularReadSummary> CompleteAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    private protected void AddIssue(long row, string message)
    {
        MalformedRecords++;
        if (IssueList.Count < 20)
        {
            IssueList.Add(new TabularIssue(row, message));
        }
    }

    private static async Task<(Stream Source, ReadOnlyMemory<byte> Head, Sha256Stream? Hash)> PrepareAsync(Stream stream, TabularReaderOptions options, CancellationToken cancellationToken)
    {
        var hash = options.ComputeSha256 ? new Sha256Stream(stream) : null;
        var source = (Stream?)hash ?? stream;
        var head = new byte[SniffBytes];
        var length = 0;
        int read;
        while (length < head.Length && (read = await source.ReadAsync(head.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        return (source, head.AsMemory(0, length), hash);
    }

    private static async Task<TabularReader> OpenPreparedAsync(Stream source, ReadOnlyMemory<byte> head, Sha256Stream? hash, DatasetFormat format, TabularReaderOptions options, CancellationToken cancellationToken)
    {
        var input = new PrefixedStream(head, source);
        try
        {
            if (head.Length == 0)
            {
                throw new TabularFormatException("The file is empty (0 bytes).");
            }

            if (format == DatasetFormat.Parquet)
            {
                return await ParquetTabularReader.OpenAsync(input, hash, options, cancellationToken).ConfigureAwait(false);
            }

            CheckText(head.Span, wholeFile: head.Length < SniffBytes);
            return await CsvTabularReader.OpenAsync(input, hash, options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await input.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Refuses binary content at the start of a CSV: NUL bytes or invalid UTF-8 (UTF-16/32 with a byte order mark are fine).</summary>
    private static void CheckText(ReadOnlySpan<byte> head, bool wholeFile)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return; // UTF-16/32 with a BOM: CsvHelper transcodes it.
        }

        if (head.Contains((byte)0))
        {
            throw new TabularFormatException($"The file is binary, not CSV text: it has NUL bytes in its first {head.Length} bytes.");
        }

        var text = head;
        if (!wholeFile)
        {
            // The sniffed block may end inside a multi-byte character; drop that partial character.
            var cut = text.Length;
            for (var i = 1; i <= 3 && i <= text.Length; i++)
            {
                var b = text[^i];
                if ((b & 0xC0) == 0xC0)
                {
                    cut = text.Length - i;
                    break;
                }

                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            text = text[..cut];
        }

        if (!Utf8.IsValid(text))
        {
            throw new TabularFormatException($"The file is not UTF-8 text: its first {head.Length} bytes contain invalid UTF-8 sequences. Save CSV files as UTF-8 (a byte order mark is fine).");
        }
    }
}

/// <summary>One malformed record of a CSV file: where, and what is wrong with it.</summary>
public sealed record TabularIssue(long Row, string Message);

/// <summary>What a complete read of a file found: its size and, when asked for, its SHA-256 (lowercase hex).</summary>
public sealed record TabularReadSummary(long Rows, long Bytes, string? Sha256);
