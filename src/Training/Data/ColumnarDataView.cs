namespace MLOps.Training.Data;

/// <summary>A training data view over typed arrays already in memory, one array per column, read without copying or boxing.</summary>
/// <remarks>
/// Accepted arrays: float[], double[], int[], long[], bool[], string?[] (null and "" are missing), and the nullable
/// float?[], double?[] and bool?[], which become float/double columns with NaN for null (a nullable flag becomes 0/1).
/// </remarks>
public sealed class ColumnarDataView : RowDataView
{
    private readonly Array[] _values;
    private readonly int _rows;

    private ColumnarDataView(IReadOnlyList<TrainingColumn> columns, Array[] values, int rows, CancellationToken cancellation)
        : base(columns, cancellation)
    {
        _values = values;
        _rows = rows;
    }

    /// <summary>Builds the view; every array must have the same length.</summary>
    public static ColumnarDataView Create(IEnumerable<KeyValuePair<string, Array>> columns, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var specs = new List<TrainingColumn>();
        var values = new List<Array>();
        int? rows = null;
        foreach (var (name, array) in columns)
        {
            var (type, stored) = Normalise(name, array);
            if (rows is { } n && stored.Length != n)
            {
                throw new ArgumentException($"Column '{name}' has {stored.Length} values; the others have {n}.", nameof(columns));
            }

            rows = stored.Length;
            specs.Add(new TrainingColumn(name, type));
            values.Add(stored);
        }

        return new ColumnarDataView(specs, values.ToArray(), rows ?? 0, cancellation);
    }

    public static ColumnarDataView Create(params (string Name, Array Values)[] columns) =>
        Create(columns.Select(c => KeyValuePair.Create(c.Name, c.Values)));

    public override long? GetRowCount() => _rows;

    protected override RowReader OpenRows() => new Reader(_values, _rows);

    private static (TrainingColumnType Type, Array Stored) Normalise(string name, Array array) => array switch
    {
        float[] f => (TrainingColumnType.Single, f),
        double[] d => (TrainingColumnType.Double, d),
        int[] i => (TrainingColumnType.Int32, i),
        long[] l => (TrainingColumnType.Int64, l),
        bool[] b => (TrainingColumnType.Boolean, b),
        string?[] s => (TrainingColumnType.Text, s.Select(x => (x ?? string.Empty).AsMemory()).ToArray()),
        float?[] f => (TrainingColumnType.Single, f.Select(x => x ?? float.NaN).ToArray()),
        double?[] d => (TrainingColumnType.Double, d.Select(x => x ?? double.NaN).ToArray()),
        bool?[] b => (TrainingColumnType.Single, b.Select(x => x is { } v ? (v ? 1f : 0f) : float.NaN).ToArray()),
        _ => throw new ArgumentException($"Column '{name}' is a {array.GetType().Name}; use float, double, int, long, bool or string arrays.", nameof(array)),
    };

    private sealed class Reader(Array[] values, int rows) : RowReader
    {
        private int _row = -1;

        public override bool MoveNext() => ++_row < rows;

        public override float GetSingle(int column) => ((float[])values[column])[_row];

        public override double GetDouble(int column) => ((double[])values[column])[_row];

        public override int GetInt32(int column) => ((int[])values[column])[_row];

        public override long GetInt64(int column) => ((long[])values[column])[_row];

        public override bool GetBoolean(int column) => ((bool[])values[column])[_row];

        public override ReadOnlyMemory<char> GetText(int column) => ((ReadOnlyMemory<char>[])values[column])[_row];
    }
}
