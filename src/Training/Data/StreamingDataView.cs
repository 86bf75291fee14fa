using System.Globalization;

namespace MLOps.Training.Data;

/// <summary>
/// A training data view over a re-readable row source: each time ML.NET asks for a cursor, the factory opens a
/// new enumeration (re-reading the file or blob), so a large dataset is never held in memory as rows.
/// </summary>
/// <remarks>
/// A row is a list of values in column order: null means missing (NaN for Single/Double, "" for Text; an error
/// for Int32, Int64 and Boolean, which cannot be missing). Numbers of any CLR numeric type are converted to the
/// declared column type; strings are accepted as they are for Text columns only, since parsing is the reader's job.
/// Disposing the enumerator ends the pass, so a reader can close its stream when a cursor is abandoned early.
/// </remarks>
public sealed class StreamingDataView(
    IReadOnlyList<TrainingColumn> columns,
    Func<IEnumerable<IReadOnlyList<object?>>> openRows,
    long? rowCount = null,
    CancellationToken cancellation = default) : RowDataView(columns, cancellation)
{
    public override long? GetRowCount() => rowCount;

    protected override RowReader OpenRows() => new Reader(Columns, openRows().GetEnumerator());

    private sealed class Reader(IReadOnlyList<TrainingColumn> columns, IEnumerator<IReadOnlyList<object?>> rows) : RowReader
    {
        private IReadOnlyList<object?> _current = [];
        private long _row = -1;

        public override bool MoveNext()
        {
            if (!rows.MoveNext())
            {
                return false;
            }

            _row++;
            _current = rows.Current ?? throw new InvalidDataException($"Row {_row} is null.");
            if (_current.Count != columns.Count)
            {
                throw new InvalidDataException($"Row {_row} has {_current.Count} values; the data view has {columns.Count} columns.");
            }

            return true;
        }

        public override float GetSingle(int column) => _current[column] switch
        {
            null => float.NaN,
            float f => f,
            bool b => b ? 1f : 0f,
            var v => (float)Number(column, v),
        };

        public override double GetDouble(int column) => _current[column] switch
        {
            null => double.NaN,
            double d => d,
            bool b => b ? 1d : 0d,
            var v => Number(column, v),
        };

        public override int GetInt32(int column) => _current[column] switch
        {
            int i => i,
            null => throw Missing(column),
            var v => checked((int)Integer(column, v)),
        };

        public override long GetInt64(int column) => _current[column] switch
        {
            long l => l,
            null => throw Missing(column),
            var v => Integer(column, v),
        };

        public override bool GetBoolean(int column) => _current[column] switch
        {
            bool b => b,
            null => throw Missing(column),
            var v => throw Mistyped(column, v),
        };

        public override ReadOnlyMemory<char> GetText(int column) => _current[column] switch
        {
            null => ReadOnlyMemory<char>.Empty,
            string s => s.AsMemory(),
            ReadOnlyMemory<char> m => m,
            var v => throw Mistyped(column, v),
        };

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rows.Dispose();
            }
        }

        private double Number(int column, object value) => value switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            short s => s,
            byte b => b,
            decimal m => (double)m,
            _ => throw Mistyped(column, value),
        };

        private long Integer(int column, object value) => value switch
        {
            int i => i,
            long l => l,
            short s => s,
            byte b => b,
            _ => throw Mistyped(column, value),
        };

        private InvalidDataException Missing(int column) =>
            new($"Row {_row}, column '{columns[column].Name}': a {columns[column].Type} value cannot be missing.");

        private InvalidDataException Mistyped(int column, object value) =>
            new(string.Create(CultureInfo.InvariantCulture,
                $"Row {_row}, column '{columns[column].Name}': a {value.GetType().Name} where {columns[column].Type} was declared."));
    }
}

/// <summary>Builds <see cref="StreamingDataView"/>s over asynchronous row sources such as the dataset readers.</summary>
public static class StreamingDataViews
{
    /// <summary>
    /// A data view whose every pass enumerates a fresh asynchronous row source. ML.NET's cursors are synchronous, so each
    /// pass blocks its (training) thread on the source; that is the thread training runs on anyway.
    /// </summary>
    public static StreamingDataView FromAsync(
        IReadOnlyList<TrainingColumn> columns,
        Func<CancellationToken, IAsyncEnumerable<IReadOnlyList<object?>>> openRows,
        long? rowCount = null,
        CancellationToken cancellation = default) =>
        new(columns, () => openRows(cancellation).ToBlockingEnumerable(cancellation), rowCount, cancellation);
}
