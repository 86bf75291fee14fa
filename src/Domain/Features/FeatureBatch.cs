namespace MLOps.Domain.Features;

/// <summary>Validated records in columns: one typed array per feature, in schema order.</summary>
/// <remarks>
/// Columns are float[], double[], int[], long[], string[] or bool[] by feature type, so building
/// a tensor is a copy-free wrap rather than a per-value conversion.
/// </remarks>
public sealed class FeatureBatch(FeatureSchema schema, int rows, Array[] columns)
{
    public FeatureSchema Schema { get; } = schema;

    public int Rows { get; } = rows;

    public IReadOnlyList<Array> Columns { get; } = columns;

    public T[] Column<T>(int feature) => (T[])Columns[feature];
}
