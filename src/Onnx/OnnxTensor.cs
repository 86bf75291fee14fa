using Google.Protobuf;
using MLOps.Onnx.Protobuf;
using DataType = MLOps.Onnx.Protobuf.TensorProto.Types.DataType;

namespace MLOps.Onnx;

/// <summary>Constant tensors for initializers and tensor attributes (a Constant node's <c>value</c>, a LabelEncoder's defaults).</summary>
/// <remarks>Values go in the typed repeated fields rather than raw_data, so a model dump stays readable.</remarks>
public static class OnnxTensor
{
    public static TensorProto Float(string name, ReadOnlySpan<float> values, params ReadOnlySpan<long> dims)
    {
        var tensor = Create(name, DataType.Float, values.Length, dims);
        tensor.FloatData.AddRange(values.ToArray());
        return tensor;
    }

    public static TensorProto Double(string name, ReadOnlySpan<double> values, params ReadOnlySpan<long> dims)
    {
        var tensor = Create(name, DataType.Double, values.Length, dims);
        tensor.DoubleData.AddRange(values.ToArray());
        return tensor;
    }

    public static TensorProto Int64(string name, ReadOnlySpan<long> values, params ReadOnlySpan<long> dims)
    {
        var tensor = Create(name, DataType.Int64, values.Length, dims);
        tensor.Int64Data.AddRange(values.ToArray());
        return tensor;
    }

    public static TensorProto Int32(string name, ReadOnlySpan<int> values, params ReadOnlySpan<long> dims)
    {
        var tensor = Create(name, DataType.Int32, values.Length, dims);
        tensor.Int32Data.AddRange(values.ToArray());
        return tensor;
    }

    public static TensorProto String(string name, IReadOnlyCollection<string> values, params ReadOnlySpan<long> dims)
    {
        var tensor = Create(name, DataType.String, values.Count, dims);
        tensor.StringData.AddRange(values.Select(ByteString.CopyFromUtf8));
        return tensor;
    }

    private static TensorProto Create(string name, DataType type, int count, ReadOnlySpan<long> dims)
    {
        long expected = 1;
        foreach (var d in dims)
        {
            expected *= d;
        }

        // A mismatch would only surface later as an opaque load error in ONNX Runtime; say it here instead.
        if (expected != count)
        {
            throw new ArgumentException($"Tensor '{name}' has {count} values but dims [{string.Join(",", dims.ToArray())}] need {expected}.", nameof(dims));
        }

        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(dims.ToArray());
        return tensor;
    }
}
