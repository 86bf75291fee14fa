using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLOps.Training.Data;

/// <summary>
/// An ML.NET <see cref="IDataView"/> over rows that a subclass reads one at a time: the shared cursor and schema
/// code of <see cref="ColumnarDataView"/> (arrays in memory) and <see cref="StreamingDataView"/> (rows read on demand).
/// </summary>
/// <remarks>
/// Every cursor starts a fresh read, which is what ML.NET expects of a data view: trainers and estimators
/// each take their own pass (statistics, vocabularies, normalisers, the trainer itself).
/// Shuffling is left to ML.NET (<see cref="CanShuffle"/> is false); trainers that need it shuffle on their side.
/// </remarks>
public abstract class RowDataView : IDataView
{
    private const int CancellationCheckInterval = 4096;
    private readonly CancellationToken _cancellation;

    protected RowDataView(IReadOnlyList<TrainingColumn> columns, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var builder = new DataViewSchema.Builder();
        foreach (var column in columns)
        {
            if (!names.Add(column.Name))
            {
                throw new ArgumentException($"Column '{column.Name}' is listed twice.", nameof(columns));
            }

            builder.AddColumn(column.Name, column.Type.ToDataViewType());
        }

        Columns = columns;
        Schema = builder.ToSchema();
        _cancellation = cancellation;
    }

    public IReadOnlyList<TrainingColumn> Columns { get; }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public abstract long? GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        _cancellation.ThrowIfCancellationRequested();
        var active = new bool[Schema.Count];
        foreach (var column in columnsNeeded)
        {
            active[column.Index] = true;
        }

        return new Cursor(this, OpenRows(), active, _cancellation);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    /// <summary>Starts a new pass over the rows.</summary>
    protected abstract RowReader OpenRows();

    /// <summary>One pass over the rows: advance, then read the current row's columns by index.</summary>
    protected abstract class RowReader : IDisposable
    {
        public abstract bool MoveNext();

        public abstract float GetSingle(int column);

        public abstract double GetDouble(int column);

        public abstract int GetInt32(int column);

        public abstract long GetInt64(int column);

        public abstract bool GetBoolean(int column);

        public abstract ReadOnlyMemory<char> GetText(int column);

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
        }
    }

    private sealed class Cursor(RowDataView view, RowReader rows, bool[] active, CancellationToken cancellation) : DataViewRowCursor
    {
        private long _position = -1;
        private bool _disposed;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active[column.Index])
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not requested for this cursor.");
            }

            var c = column.Index;
            Delegate getter = view.Columns[c].Type switch
            {
                TrainingColumnType.Single => (ValueGetter<float>)((ref float v) => v = rows.GetSingle(c)),
                TrainingColumnType.Double => (ValueGetter<double>)((ref double v) => v = rows.GetDouble(c)),
                TrainingColumnType.Int32 => (ValueGetter<int>)((ref int v) => v = rows.GetInt32(c)),
                TrainingColumnType.Int64 => (ValueGetter<long>)((ref long v) => v = rows.GetInt64(c)),
                TrainingColumnType.Boolean => (ValueGetter<bool>)((ref bool v) => v = rows.GetBoolean(c)),
                _ => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = rows.GetText(c)),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}, not {typeof(TValue).Name}.");
        }

        public override bool MoveNext()
        {
            if (_disposed)
            {
                return false;
            }

            if ((_position + 1) % CancellationCheckInterval == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }

            if (rows.MoveNext())
            {
                _position++;
                return true;
            }

            Dispose();
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (!_disposed && disposing)
            {
                rows.Dispose();
                _disposed = true;
            }

            base.Dispose(disposing);
        }
    }
}
