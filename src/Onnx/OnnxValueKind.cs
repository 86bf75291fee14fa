namespace MLOps.Onnx;

/// <summary>The ONNX type family of a graph input or output.</summary>
public enum OnnxValueKind
{
    Tensor,
    Sequence,
    Map,

    /// <summary>Optional, sparse tensor, or a type newer than this project.</summary>
    Other,
}
