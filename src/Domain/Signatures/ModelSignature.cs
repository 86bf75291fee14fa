namespace MLOps.Domain.Signatures;

/// <summary>What registration learned from the ONNX file: inputs, outputs, opsets and class labels.</summary>
public sealed record ModelSignature(
    long IrVersion,
    IReadOnlyDictionary<string, long> Opsets,
    string? Producer,
    IReadOnlyList<TensorSpec> Inputs,
    IReadOnlyList<TensorSpec> Outputs,
    IReadOnlyList<string>? ClassLabels);
