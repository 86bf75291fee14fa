using System.Globalization;
using MLOps.Domain.Validation;

namespace MLOps.Domain.Tests.Validation;

/// <summary>
/// An in-memory table read row by row through <see cref="ITabularRow"/>, with the CSV reader's semantics: an empty cell
/// is null, numbers and timestamps are parsed in invariant format, booleans are true/false, yes/no or 1/0.
/// </summary>
/// <remarks>Rows are written as comma-separated text; a row with fewer or more commas has another field count.</remarks>
internal sealed class TestTable : ITabularRow
{
    private readonly string[][] _rows;
    private int _index = -1;

    public TestTable(string header, params string[] rows)
        : this(header.Split(',').Select(name => new DatasetColumn(name, DeclaredKind.Untyped)).ToList(), rows)
    {
    }

    public TestTable(IReadOnlyList<DatasetColumn> columns, params string[] rows)
    {
        Columns = columns;
        _rows = [.. rows.Select(r => r.Split(','))];
    }

    public IReadOnlyList<DatasetColumn> Columns { get; }

    public long RowNumber => _index + 1;

    public int FieldCount => Current.Length;

    private string[] Current => _rows[_index];

    /// <summary>Feeds every row to a new validation of <paramref name="suite"/> and returns the result.</summary>
    public static DatasetValidationResult Validate(
        ExpectationSuite suite,
        TestTable table,
        DateTimeOffset? now = null,
        DateTimeOffset? fileTime = null,
        Func<IDuplicateKeyCounter>? counter = null)
    {
        using var validation = new DatasetValidation(suite, table.Columns, now ?? DateTimeOffset.UnixEpoch, fileTime, counter);
        while (table.Read())
        {
            validation.Observe(table);
        }

        return validation.Finish();
    }

    /// <summary>A suite of exactly these rules, with the default settings but for the example count.</summary>
    public static ExpectationSuite Suite(params Expectation[] rules) => Suite(5, rules);

    public static ExpectationSuite Suite(int exampleRows, params Expectation[] rules) =>
        new(rules, ModelExpectations.Default with { ExampleRows = exampleRows }, null);

    /// <summary>A one-column table of these cells under the header <paramref name="name"/>.</summary>
    public static TestTable Column(string name, params string[] cells) => new(name, cells);

    public bool Read() => ++_index < _rows.Length;

    public bool IsNull(int column) => column >= Current.Length || Current[column].Length == 0;

    public ReadOnlySpan<char> GetChars(int column) => IsNull(column) ? [] : Current[column];

    public bool TryGetUtf8(int column, out ReadOnlySpan<byte> text)
    {
        text = IsNull(column) ? [] : System.Text.Encoding.UTF8.GetBytes(Current[column]);
        return !IsNull(column);
    }

    public bool TryGetDouble(int column, out double value)
    {
        value = 0;
        return !IsNull(column) && double.TryParse(Current[column], NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public bool TryGetInt64(int column, out long value)
    {
        value = 0;
        return !IsNull(column) && long.TryParse(Current[column], NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    public bool TryGetBoolean(int column, out bool value)
    {
        value = false;
        if (IsNull(column))
        {
            return false;
        }

        switch (Current[column].ToUpperInvariant())
        {
            case "TRUE" or "YES" or "1":
                value = true;
                return true;
            case "FALSE" or "NO" or "0":
                return true;
            default:
                return false;
        }
    }

    public bool TryGetDateTimeOffset(int column, out DateTimeOffset value)
    {
        value = default;
        return !IsNull(column) && DateTimeOffset.TryParse(Current[column], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }
}
