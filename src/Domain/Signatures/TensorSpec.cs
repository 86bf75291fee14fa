namespace MLOps.Domain.Signatures;

/// <summary>One input or output of a model as the runtime sees it.</summary>
/// <param name="Name">The ONNX value name.</param>
/// <param name="Kind">tensor, sequence, map or other.</param>
/// <param name="ElementType">ONNX element type name (float, int64, string, ...); for a sequence of maps, the map's value type.</param>
/// <param name="Shape">Dimensions, -1 where the size is symbolic or unknown; null when the rank is unknown.</param>
public sealed record TensorSpec(string Name, string Kind, string ElementType, IReadOnlyList<long>? Shape)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsTensor => Kind == "tensor";

    /// <summary>The KServe V2 datatype name for this element type, or null when V2 has none.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? V2Datatype => ElementTypes.ToV2(ElementType);
}
