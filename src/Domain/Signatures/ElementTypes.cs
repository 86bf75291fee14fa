namespace MLOps.Domain.Signatures;

/// <summary>Names of ONNX element types and their KServe V2 (Open Inference Protocol) datatypes.</summary>
public static class ElementTypes
{
    private static readonly Dictionary<string, string> OnnxToV2 = new(StringComparer.Ordinal)
    {
        ["bool"] = "BOOL",
        ["uint8"] = "UINT8",
        ["uint16"] = "UINT16",
        ["uint32"] = "UINT32",
        ["uint64"] = "UINT64",
        ["int8"] = "INT8",
        ["int16"] = "INT16",
        ["int32"] = "INT32",
        ["int64"] = "INT64",
        ["float16"] = "FP16",
        ["float"] = "FP32",
        ["double"] = "FP64",
        ["string"] = "BYTES",
    };

    public static string? ToV2(string onnxElementType) =>
        OnnxToV2.TryGetValue(onnxElementType, out var v2) ? v2 : null;
}
