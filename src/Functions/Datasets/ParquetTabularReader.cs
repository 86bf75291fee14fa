using MLOps.Domain.Problems;
using Parquet;
using Parquet.Schema;

namespace MLOps.Functions.Datasets;

/// <summary>The Parquet side of <see cref="TabularReader"/>: one row group in memory at a time.</summary>
/// <remarks>
/// Parquet keeps its schema and row-group index in a footer at the end of the file, so the reader needs random access.
/// A forward-only input, or one whose SHA-256 is wanted (a hash needs the bytes in order), is first copied to a temporary
/// file, hashing on the way; that costs disk, never memory, and the file is deleted on dispose.
/// </remarks>
internal sealed class ParquetTabularReader : TabularReader
{
    private readonly ParquetReader _parquet;
    private readonly ParquetColumn?[] _columns;
    private readonly long _fileBytes;
    private readonly string? _sha256;
    private readonly long _maxRowGroupBytes;
    private int _group = -1;
    private int _groupRows;
    private int _row;

    private ParquetTabularReader(ParquetReader parquet, IReadOnlyList<TabularColumn> columns, ParquetColumn?[] readers, long fileBytes, string? sha256, long maxRowGroupBytes)
        : base(columns)
    {
        _parquet = parquet;
        _columns = readers;
        _fileBytes = fileBytes;
        _sha256 = sha256;
        _maxRowGroupBytes = maxRowGroupBytes;
    }

    public override DatasetFormat Format => DatasetFormat.Parquet;

    public override int FieldCount => Columns.Count;

    public override long BytesRead => _fileBytes;

    public static async Task<TabularReader> OpenAsync(Stream input, Sha256Stream? hash, TabularReaderOptions options, CancellationToken cancellationToken)
    {
        // The input is always forward-only here (the sniffed head is replayed in front of it), so it is spooled.
        var spool = new FileStream(
            Path.Combine(options.SpoolDirectory ?? Path.GetTempPath(), $"mlops-spool-{Guid.NewGuid():N}.parquet"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            await input.CopyToAsync(spool, 81920, cancellationToken).ConfigureAwait(false);
            var sha = hash is null ? null : await hash.FinishAsync(cancellationToken).ConfigureAwait(false);
            await input.DisposeAsync().ConfigureAwait(false);
            var length = spool.Length;
            spool.Position = 0;
            if (length < 12 || !await EndsWithMagicAsync(spool, cancellationToken).ConfigureAwait(false))
            {
                throw new TabularFormatException(length < 12
                    ? $"The file is not a Parquet file: it is {length} bytes, too short for one."
                    : "The file is not a complete Parquet file: it does not end with the PAR1 footer marker (it may be truncated).");
            }

            // Parquet.Net would spin forever on some damaged footers; they are refused first.
            await ParquetFooter.CheckAsync(spool, length, cancellationToken).ConfigureAwait(false);

            ParquetReader parquet;
            try
            {
                parquet = await ParquetReader.CreateAsync(spool, new ParquetOptions { UseDateOnlyTypeForDates = true }, leaveStreamOpen: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not TabularFormatException)
            {
                throw new TabularFormatException($"The file is not a readable Parquet file: its footer cannot be decoded ({ex.GetType().Name}).", null, ex);
            }

            try
            {
                var (columns, readers) = Describe(parquet.Schema, options.Columns);
                return new ParquetTabularReader(parquet, columns, readers, length, sha, options.MaxRowGroupBytes);
            }
            catch
            {
                await parquet.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        while (_row + 1 >= _groupRows)
        {
            if (_group + 1 >= _parquet.RowGroupCount)
            {
                _row = _groupRows;
                return false;
            }

            await LoadGroupAsync(_group + 1, cancellationToken).ConfigureAwait(false);
        }

        _row++;
        RowNumber++;
        return true;
    }

    public override bool IsNull(int column) => Column(column).IsNull(_row);

    public override string? GetString(int column) => Column(column).GetString(_row);

    public override ReadOnlySpan<char> GetChars(int column) => Column(column).GetChars(_row);

    public override bool TryGetDouble(int column, out double value) => Column(column).TryGetDouble(_row, out value);

    public override bool TryGetInt64(int column, out long value) => Column(column).TryGetInt64(_row, out value);

    public override bool TryGetBoolean(int column, out bool value) => Column(column).TryGetBoolean(_row, out value);

    public override bool TryGetDateTimeOffset(int column, out DateTimeOffset value) => Column(column).TryGetDateTimeOffset(_row, out value);

    public override Task<TabularReadSummary> CompleteAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new TabularReadSummary(RowNumber, _fileBytes, _sha256));

    public override ValueTask DisposeAsync() => _parquet.DisposeAsync();

    private static async Task<bool> EndsWithMagicAsync(FileStream spool, CancellationToken cancellationToken)
    {
        var tail = new byte[4];
        spool.Seek(-4, SeekOrigin.End);
        await spool.ReadExactlyAsync(tail, cancellationToken).ConfigureAwait(false);
        spool.Position = 0;
        return tail.AsSpan().SequenceEqual(DatasetFormats.ParquetMagic);
    }

    private static (IReadOnlyList<TabularColumn> Columns, ParquetColumn?[] Readers) Describe(ParquetSchema schema, IReadOnlyCollection<string>? projection)
    {
        var wanted = projection is null ? null : new HashSet<string>(projection, StringComparer.Ordinal);
        var columns = new List<TabularColumn>();
        var readers = new List<ParquetColumn?>();
        foreach (var field in schema.Fields)
        {
            if (field is not DataField data || data.IsArray || data.MaxRepetitionLevel > 0)
            {
                throw new TabularFormatException($"Column '{ProblemText.Clip(field.Name)}' is a nested {field.SchemaType.ToString().ToLowerInvariant()} column; only flat columns of plain values can be read.");
            }

            var type = ParquetColumn.Type(data.ClrType);
            var reader = wanted is null || wanted.Contains(data.Name) ? ParquetColumn.For(data) : null;
            if (reader is null && (wanted is null || wanted.Contains(data.Name)))
            {
                throw new TabularFormatException($"Column '{ProblemText.Clip(data.Name)}' has a Parquet type ({data.ClrType.Name}) that cannot be read.");
            }

            columns.Add(new TabularColumn(columns.Count, data.Name, type));
            readers.Add(reader);
        }

        return (columns, readers.ToArray());
    }

    private ParquetColumn Column(int column) =>
        _columns[column] ?? throw new InvalidOperationException($"Column '{Columns[column].Name}' was not among the columns asked for.");

    private async Task LoadGroupAsync(int index, CancellationToken cancellationToken)
    {
        using var group = _parquet.OpenRowGroupReader(index);
        if (group.RowCount > int.MaxValue)
        {
            throw new TabularFormatException($"Row group {index} holds {group.RowCount} rows; at most {int.MaxValue} can be read.", RowNumber + 1);
        }

        var rows = (int)group.RowCount;
        long bytes = 0;
        foreach (var column in _columns)
        {
            if (column is not null)
            {
                bytes += group.GetMetadata(column.Field)?.MetaData?.TotalUncompressedSize ?? 0;
            }
        }

        // The sizes above come from the footer, which a damaged or hostile file sets as it likes; the arrays a group is
        // read into take about 16 bytes per cell whatever the footer says, so the row count is bounded too.
        var cells = (long)rows * _columns.Count(c => c is not null);
        if (cells * 16 > 2 * _maxRowGroupBytes)
        {
            throw new TabularFormatException(
                $"Row group {index} holds {rows} rows of {_columns.Count(c => c is not null)} columns; reading them at once would take about {cells * 16} bytes, more than the {2 * _maxRowGroupBytes} allowed. Write the file with smaller row groups.",
                RowNumber + 1);
        }

        if (bytes > _maxRowGroupBytes)
        {
            throw new TabularFormatException(
                $"Row group {index} is {bytes} bytes uncompressed in the columns read; at most {_maxRowGroupBytes} are read at once. Write the file with smaller row groups.",
                RowNumber + 1);
        }

        try
        {
            foreach (var column in _columns)
            {
                if (column is not null)
                {
                    await column.LoadAsync(group, rows, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new TabularFormatException($"Row group {index} cannot be decoded ({ex.GetType().Name}); the file is damaged.", RowNumber + 1, ex);
        }

        _group = index;
        _groupRows = rows;
        _row = -1;
    }
}
