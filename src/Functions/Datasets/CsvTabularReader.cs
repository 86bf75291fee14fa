using System.Globalization;
using CsvHelper;

namespace MLOps.Functions.Datasets;

/// <summary>The CSV side of <see cref="TabularReader"/>, on CsvHelper's forward-only UTF-8 reader.</summary>
internal sealed class CsvTabularReader : TabularReader
{
    private readonly CsvReader _csv;
    private readonly Sha256Stream? _hash;
    private readonly bool _hasHeader;
    private readonly bool _hasNullValues;
    private char[] _chars = new char[256];
    private bool _pending;
    private bool _ended;

    private CsvTabularReader(CsvReader csv, Sha256Stream? hash, bool hasHeader, bool hasNullValues)
        : base([])
    {
        _csv = csv;
        _hash = hash;
        _hasHeader = hasHeader;
        _hasNullValues = hasNullValues;
    }

    public override DatasetFormat Format => DatasetFormat.Csv;

    public override int FieldCount => _csv.FieldCount;

    public override char? Delimiter => _csv.Separator;

    public override long BytesRead => _hash?.BytesRead ?? _csv.ByteOffset;

    public static async Task<TabularReader> OpenAsync(Stream input, Sha256Stream? hash, TabularReaderOptions options, CancellationToken cancellationToken)
    {
        CsvTabularReader? reader = null;
        var csvOptions = CsvReaderOptions.Default with
        {
            Separator = options.Delimiter,
            HasHeader = options.HasHeader,
            AllowLineBreaksInQuotes = true,
            SkipEmptyLines = true,
            MaxRecordSize = options.MaxRecordBytes,
            NullValues = options.NullValues.Count == 0 ? null : [.. options.NullValues],
            IncludeValuesInExceptions = false,
            FormatProvider = CultureInfo.InvariantCulture,
            MalformedData = CsvMalformedDataHandling.Recover,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            DetectSeparatorHint = false,

            // The callback runs while a block is scanned, before the record is returned; record numbers count the header.
            OnMalformedRecord = m => reader?.AddIssue(m.RecordNumber - (options.HasHeader ? 1 : 0), Describe(m.Reason)),
        };

        var csv = CsvReader.Create(input, csvOptions, leaveOpen: false);
        reader = new CsvTabularReader(csv, hash, options.HasHeader, options.NullValues.Count > 0);
        try
        {
            await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (_pending)
        {
            _pending = false;
            RowNumber = _csv.RowNumber;
            return ValueTask.FromResult(true);
        }

        if (_ended)
        {
            return ValueTask.FromResult(false);
        }

        // Most records are already in CsvHelper's buffer: finish those without an async state machine per row.
        var read = _csv.ReadAsync(cancellationToken);
        if (read.IsCompletedSuccessfully)
        {
            return ValueTask.FromResult(Advanced(read.Result));
        }

        return ReadSlowAsync(read);
    }

    public override bool IsNull(int column) => _csv.IsNull(column);

    public override bool TryGetUtf8(int column, out ReadOnlySpan<byte> text)
    {
        if (_csv.IsNull(column))
        {
            text = [];
            return false;
        }

        text = _csv.GetSpan(column);
        return true;
    }

    public override string? GetString(int column) => _csv.IsNull(column) ? null : _csv.GetString(column);

    public override ReadOnlySpan<char> GetChars(int column)
    {
        if (_csv.IsNull(column))
        {
            return [];
        }

        // UTF-8 never takes fewer bytes than UTF-16 takes chars, so the byte length bounds the chars.
        var bytes = _csv.GetSpan(column).Length;
        if (_chars.Length < bytes)
        {
            _chars = new char[Math.Max(bytes, _chars.Length * 2)];
        }

        var written = _csv.GetChars(column, _chars);
        return _chars.AsSpan(0, written);
    }

    public override bool TryGetDouble(int column, out double value)
    {
        // An empty cell never parses, so only configured null values ("NA", "-999") need the extra check.
        if (_hasNullValues && _csv.IsNull(column))
        {
            value = 0;
            return false;
        }

        return _csv.TryParse(column, out value);
    }

    public override bool TryGetInt64(int column, out long value)
    {
        if (_hasNullValues && _csv.IsNull(column))
        {
            value = 0;
            return false;
        }

        return _csv.TryParse(column, out value);
    }

    public override bool TryGetBoolean(int column, out bool value)
    {
        if (_hasNullValues && _csv.IsNull(column))
        {
            value = false;
            return false;
        }

        return _csv.TryParse(column, out value);
    }

    public override bool TryGetDateTimeOffset(int column, out DateTimeOffset value)
    {
        value = default;
        var chars = GetChars(column);
        return chars.Length > 0 && DateTimeOffset.TryParse(chars, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    public override async Task<TabularReadSummary> CompleteAsync(CancellationToken cancellationToken)
    {
        string? sha = null;
        if (_hash is not null)
        {
            sha = await _hash.FinishAsync(cancellationToken).ConfigureAwait(false);
        }

        return new TabularReadSummary(RowNumber, BytesRead, sha);
    }

    public override ValueTask DisposeAsync() => _csv.DisposeAsync();

    private static string Describe(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.StrayQuote => "a quote inside an unquoted field",
        CsvMalformedReason.TextAfterClosingQuote => "text after the closing quote of a quoted field",
        CsvMalformedReason.UnterminatedQuote => "a quoted field that is never closed (the file may be truncated)",
        CsvMalformedReason.LineBreakInQuotes => "a line break inside a quoted field",
        CsvMalformedReason.FieldCountMismatch => "a different number of fields than the header",
        _ => "malformed quoting",
    };

    private bool Advanced(bool read)
    {
        if (!read)
        {
            _ended = true;
            return false;
        }

        RowNumber = _csv.RowNumber;
        return true;
    }

    private async ValueTask<bool> ReadSlowAsync(ValueTask<bool> read) => Advanced(await Guard(read).ConfigureAwait(false));

    /// <summary>CsvHelper's format errors (a record over the size limit, say) become the reader's own exception.</summary>
    private async ValueTask<bool> Guard(ValueTask<bool> read)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (CsvFormatException ex)
        {
            var row = ex.RecordNumber > 0 ? ex.RecordNumber - (_hasHeader ? 1 : 0) : (long?)null;
            throw new TabularFormatException(ex.Message, row, ex);
        }
    }

    private async Task ReadHeaderAsync(CancellationToken cancellationToken)
    {
        if (_hasHeader)
        {
            try
            {
                await _csv.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CsvFormatException ex)
            {
                throw new TabularFormatException("The header cannot be read: " + ex.Message, null, ex);
            }

            var headers = _csv.Headers;
            if (headers.Count == 0)
            {
                throw new TabularFormatException("The file has no header row: it holds only empty lines.");
            }

            Columns = headers.Select((h, i) => new TabularColumn(i, h, TabularType.Text)).ToList();
            return;
        }

        // Without a header the first record says how many columns there are; it is returned by the first ReadAsync.
        if (!await Guard(_csv.ReadAsync(cancellationToken)).ConfigureAwait(false))
        {
            throw new TabularFormatException("The file has no records: it holds only empty lines.");
        }

        _pending = true;
        Columns = Enumerable.Range(0, _csv.FieldCount).Select(i => new TabularColumn(i, "column" + (i + 1).ToString(CultureInfo.InvariantCulture), TabularType.Text)).ToList();
    }
}
