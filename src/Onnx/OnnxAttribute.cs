using Google.Protobuf;
using MLOps.Onnx.Protobuf;
using AttributeType = MLOps.Onnx.Protobuf.AttributeProto.Types.AttributeType;

namespace MLOps.Onnx;

/// <summary>Node attributes by type, named as in the ONNX operator documentation.</summary>
/// <remarks>
/// Each sets the <c>type</c> discriminator as well as the value: ONNX Runtime refuses attributes
/// without it (IR 2 and later), and a default value such as 0 would otherwise be indistinguishable from "absent".
/// </remarks>
public static class OnnxAttribute
{
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeType.Float, F = value };

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeType.Int, I = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Tensor(string name, TensorProto value) =>
        new() { Name = name, Type = AttributeType.Tensor, T = value };

    public static AttributeProto Floats(string name, params IEnumerable<float> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeType.Floats };
        attribute.Floats.AddRange(values);
        return attribute;
    }

    public static AttributeProto Ints(string name, params IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Strings(string name, params IEnumerable<string> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeType.Strings };
        attribute.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
        return attribute;
    }
}
