namespace MLOps.Onnx;

/// <summary>One graph input or output.</summary>
/// <param name="ElementType">
/// Tensor element type ("float", "int64", "string"...); for a map or a sequence of maps, the map's value
/// type; for a sequence of tensors, the tensors' type; "unknown" when the file does not say.
/// </param>
/// <param name="KeyType">Key type of a map or of a sequence's maps; null otherwise.</param>
/// <param name="Shape">Dimensions, null for a symbolic or unknown one; the list itself is null when the rank is unknown.</param>
/// <param name="DimParams">Symbolic names of dimensions (such as "N"), null where a dimension is fixed or unnamed.</param>
public sealed record OnnxValueInfo(
    string Name,
    OnnxValueKind Kind,
    string ElementType,
    string? KeyType,
    IReadOnlyList<long?>? Shape,
    IReadOnlyList<string?>? DimParams);
