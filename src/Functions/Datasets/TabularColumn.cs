namespace MLOps.Functions.Datasets;

/// <summary>One column of a tabular file: its name and, for Parquet, the type the file declares.</summary>
/// <param name="Index">0-based position in the file.</param>
/// <param name="Name">The header cell (CSV) or field name (Parquet).</param>
/// <param name="DeclaredType">The declared type; <see cref="TabularType.Text"/> for every CSV column (CSV has no types).</param>
public sealed record TabularColumn(int Index, string Name, TabularType DeclaredType);

/// <summary>The value types a column can declare. CSV columns are all <see cref="Text"/>.</summary>
public enum TabularType
{
    Text,
    Boolean,
    Int32,
    Int64,
    Float,
    Double,
    Decimal,
    DateTime,
    Date,
    Time,
    Binary,
}

/// <summary>Properties of <see cref="TabularType"/>.</summary>
public static class TabularTypes
{
    public static bool IsNumeric(this TabularType type) =>
        type is TabularType.Int32 or TabularType.Int64 or TabularType.Float or TabularType.Double or TabularType.Decimal;

    public static bool IsInteger(this TabularType type) => type is TabularType.Int32 or TabularType.Int64;
}
