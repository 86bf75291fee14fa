using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLOps.Domain.Features;

namespace MLOps.Training.Tests;

/// <summary>Runs an exported model in real ONNX Runtime on raw feature columns, one [N,1] tensor per feature.</summary>
internal static class OnnxRunner
{
    public sealed record Output(long[]? IntLabels, string[]? StringLabels, float[][]? Probabilities, float[]? Values);

    public static Output Run(byte[] model, FeatureSchema schema, IReadOnlyDictionary<string, Array> columns)
    {
        using var session = new InferenceSession(model);
        var inputs = new List<NamedOnnxValue>();
        foreach (var feature in schema.Features)
        {
            var values = columns[feature.Name];
            var n = values.Length;
            int[] dims = [n, 1];
            inputs.Add(feature.Type switch
            {
                FeatureType.Float => NamedOnnxValue.CreateFromTensor(feature.Name, new DenseTensor<float>(Convert<float>(values), dims)),
                FeatureType.Double => NamedOnnxValue.CreateFromTensor(feature.Name, new DenseTensor<double>(Convert<double>(values), dims)),
                FeatureType.Int32 => NamedOnnxValue.CreateFromTensor(feature.Name, new DenseTensor<int>(Convert<int>(values), dims)),
                FeatureType.Int64 => NamedOnnxValue.CreateFromTensor(feature.Name, new DenseTensor<long>(Convert<long>(values), dims)),
                FeatureType.Bool => NamedOnnxValue.CreateFromTensor(feature.Name, new DenseTensor<bool>(Convert<bool>(values), dims)),
                _ => NamedOnnxValue.CreateFromTensor(feature.Name, new DenseTensor<string>(((string?[])values).Select(s => s ?? string.Empty).ToArray(), dims)),
            });
        }

        using var results = session.Run(inputs);
        long[]? intLabels = null;
        string[]? stringLabels = null;
        float[][]? probabilities = null;
        float[]? values2 = null;
        foreach (var r in results)
        {
            switch (r.Name)
            {
                case "label" when r.ElementType == TensorElementType.Int64:
                    intLabels = r.AsTensor<long>().ToArray();
                    break;
                case "label":
                    stringLabels = r.AsTensor<string>().ToArray();
                    break;
                case "probabilities":
                {
                    var t = r.AsTensor<float>();
                    var rows = t.Dimensions[0];
                    var classes = t.Dimensions[1];
                    probabilities = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, classes).Select(c => t[i, c]).ToArray()).ToArray();
                    break;
                }

                case "variable":
                    values2 = r.AsTensor<float>().ToArray();
                    break;
            }
        }

        return new Output(intLabels, stringLabels, probabilities, values2);
    }

    private static T[] Convert<T>(Array values) => values is T[] same ? same : values.Cast<object>().Select(v => (T)System.Convert.ChangeType(v, typeof(T), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
