namespace MLOps.Domain.Features;

/// <summary>One feature a model takes: its name, type and the values it accepts.</summary>
/// <param name="Name">Column name in records; also the ONNX input name unless the schema packs features.</param>
/// <param name="Type">Value type.</param>
/// <param name="Min">Smallest accepted value for numeric features (inclusive).</param>
/// <param name="Max">Largest accepted value for numeric features (inclusive).</param>
/// <param name="Categories">Accepted values of a string feature; null accepts any string.</param>
/// <param name="Nullable">Whether null is accepted. A null float or double becomes NaN for the model to impute.</param>
public sealed record FeatureSpec(
    string Name,
    FeatureType Type,
    double? Min = null,
    double? Max = null,
    IReadOnlyList<string>? Categories = null,
    bool Nullable = false);
