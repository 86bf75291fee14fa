using Microsoft.ML.OnnxRuntime;
using MLOps.Domain.Registry;

namespace MLOps.Functions.Scoring;

/// <summary>How a model's outputs read as a label, class probabilities or a regression value.</summary>
/// <remarks>
/// Decided once per loaded version from the task in its metadata and its output types, the way
/// skl2onnx and our own exporter lay classifiers out: an int64 or string label, then a float
/// [N,C] tensor or a ZipMap sequence of maps with the probabilities.
/// <see cref="Position"/> is each output's index in a run's results, in the session's output order.
/// </remarks>
internal sealed record OutputPlan(
    string? LabelOutput,
    string? ProbabilityOutput,
    bool ProbabilitiesAreZipMap,
    string? ValueOutput,
    IReadOnlyList<string> OtherOutputs,
    IReadOnlyList<string> ClassLabels,
    IReadOnlyDictionary<string, int> Position)
{
    public static OutputPlan For(ModelVersion version, InferenceSession session)
    {
        var outputs = session.OutputMetadata;
        string? label = null, probabilities = null, value = null;
        var zipMap = false;
        var task = version.Metadata.Task;

        foreach (var (name, meta) in outputs)
        {
            if (meta.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR)
            {
                var type = meta.ElementDataType;
                var rank = meta.Dimensions.Length;
                if (label is null && task != ModelTask.Regression && rank <= 2
                    && type is Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64 or Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.String or Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int32
                    && (rank < 2 || meta.Dimensions[1] == 1))
                {
                    label = name;
                }
                else if (type is Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float or Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Double)
                {
                    if (probabilities is null && label is not null && rank == 2 && task != ModelTask.Regression)
                    {
                        probabilities = name;
                    }
                    else if (value is null && label is null && task is ModelTask.Regression or ModelTask.Unspecified
                             && (rank == 1 || (rank == 2 && meta.Dimensions[1] == 1)))
                    {
                        value = name;
                    }
                }
            }
            else if (meta.OnnxValueType == OnnxValueType.ONNX_TYPE_SEQUENCE && probabilities is null && label is not null)
            {
                probabilities = name;
                zipMap = true;
            }
        }

        var others = outputs.Keys.Where(n => n != label && n != probabilities && n != value).ToList();
        var classLabels = version.Metadata.ClassLabels ?? version.Signature.ClassLabels ?? [];
        var position = session.OutputNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        return new OutputPlan(label, probabilities, zipMap, value, others, classLabels, position);
    }
}
