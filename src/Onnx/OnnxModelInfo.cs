namespace MLOps.Onnx;

/// <summary>What an ONNX file says about itself: IR version, opsets, producer, inputs, outputs and class labels.</summary>
/// <param name="Opsets">Imported operator sets by domain; the default domain "" is shown as "ai.onnx".</param>
/// <param name="Inputs">Graph inputs a caller feeds: inputs that are also initializers are left out.</param>
/// <param name="ClassLabels">
/// The labels of the first ai.onnx.ml classifier node (TreeEnsembleClassifier, LinearClassifier,
/// SVMClassifier or ZipMap), as strings in class order; null when there is none.
/// </param>
/// <param name="MetadataProps">The model's metadata_props; for a repeated key the last value wins.</param>
public sealed record OnnxModelInfo(
    long IrVersion,
    IReadOnlyDictionary<string, long> Opsets,
    string? ProducerName,
    string? ProducerVersion,
    string? GraphName,
    IReadOnlyList<OnnxValueInfo> Inputs,
    IReadOnlyList<OnnxValueInfo> Outputs,
    IReadOnlyList<string>? ClassLabels,
    IReadOnlyDictionary<string, string> MetadataProps);
