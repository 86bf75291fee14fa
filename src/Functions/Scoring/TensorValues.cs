using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLOps.Functions.Scoring;

/// <summary>Copies ONNX Runtime tensors out of native memory into managed arrays.</summary>
internal static class TensorValues
{
    /// <summary>The tensor's elements as a managed array of their own type (string[] for strings).</summary>
    public static Array ToArray(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        return info.ElementDataType switch
        {
            TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
            TensorElementType.Double => value.GetTensorDataAsSpan<double>().ToArray(),
            TensorElementType.Int64 => value.GetTensorDataAsSpan<long>().ToArray(),
            TensorElementType.Int32 => value.GetTensorDataAsSpan<int>().ToArray(),
            TensorElementType.Int16 => value.GetTensorDataAsSpan<short>().ToArray(),
            TensorElementType.Int8 => value.GetTensorDataAsSpan<sbyte>().ToArray(),
            TensorElementType.UInt64 => value.GetTensorDataAsSpan<ulong>().ToArray(),
            TensorElementType.UInt32 => value.GetTensorDataAsSpan<uint>().ToArray(),
            TensorElementType.UInt16 => value.GetTensorDataAsSpan<ushort>().ToArray(),
            TensorElementType.UInt8 => value.GetTensorDataAsSpan<byte>().ToArray(),
            TensorElementType.Bool => value.GetTensorDataAsSpan<bool>().ToArray(),
            TensorElementType.String => value.GetStringTensorAsArray(),
            _ => throw new NotSupportedException($"Output element type {info.ElementDataType} is not supported."),
        };
    }

    /// <summary>Splits values whose first dimension is the batch into one value per row (a scalar or an array).</summary>
    public static object?[] ToRows(Array all, int rows)
    {
        var result = new object?[rows];
        if (rows == 0)
        {
            return result;
        }

        var perRow = all.Length / rows;
        for (var r = 0; r < rows; r++)
        {
            if (perRow == 1)
            {
                result[r] = all.GetValue(r);
            }
            else
            {
                var slice = Array.CreateInstance(all.GetType().GetElementType()!, perRow);
                Array.Copy(all, r * perRow, slice, 0, perRow);
                result[r] = slice;
            }
        }

        return result;
    }
}
