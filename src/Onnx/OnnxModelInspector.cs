using System.Globalization;
using MLOps.Onnx.Protobuf;
using DataType = MLOps.Onnx.Protobuf.TensorProto.Types.DataType;
using DimensionCase = MLOps.Onnx.Protobuf.TensorShapeProto.Types.Dimension.ValueOneofCase;
using TypeCase = MLOps.Onnx.Protobuf.TypeProto.ValueOneofCase;

namespace MLOps.Onnx;

/// <summary>Reads an ONNX file's structure without running it, and refuses anything that is not a usable model.</summary>
/// <remarks>
/// Protobuf has no magic number, so almost any byte string parses as *some* message; the structural
/// checks after parsing are what turn text files and random bytes into a clear "not a model".
/// </remarks>
public static class OnnxModelInspector
{
    private const string MlDomain = "ai.onnx.ml";

    private static readonly HashSet<string> ClassifierOps = new(StringComparer.Ordinal)
    {
        "TreeEnsembleClassifier", "LinearClassifier", "SVMClassifier", "ZipMap",
    };

    /// <summary>Parses and checks a model.</summary>
    /// <exception cref="InvalidOnnxModelException">The bytes are not a model ONNX Runtime could be asked to load; the message says why.</exception>
    public static OnnxModelInfo Inspect(ReadOnlyMemory<byte> bytes)
    {
        var model = Parse(bytes);
        if (model.IrVersion <= 0)
        {
            throw new InvalidOnnxModelException($"its IR version is {model.IrVersion}; an ONNX model has a positive ir_version.");
        }

        if (model.OpsetImport.Count == 0)
        {
            throw new InvalidOnnxModelException("it imports no operator set (opset_import is empty).");
        }

        var graph = model.Graph ?? throw new InvalidOnnxModelException("it has no graph.");
        if (graph.Node.Count == 0)
        {
            throw new InvalidOnnxModelException("its graph has no nodes.");
        }

        // Since IR 4 initializers may also be listed as inputs (to allow overriding them); they are not inputs a caller feeds.
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).Select(v => Describe(v, "input")).ToList();
        if (inputs.Count == 0)
        {
            throw new InvalidOnnxModelException("its graph has no inputs (other than initializers).");
        }

        var outputs = graph.Output.Select(v => Describe(v, "output")).ToList();
        if (outputs.Count == 0)
        {
            throw new InvalidOnnxModelException("its graph has no outputs.");
        }

        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var opset in model.OpsetImport)
        {
            opsets[string.IsNullOrEmpty(opset.Domain) ? "ai.onnx" : opset.Domain] = opset.Version;
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in model.MetadataProps)
        {
            metadata[entry.Key] = entry.Value;
        }

        return new OnnxModelInfo(
            model.IrVersion,
            opsets,
            model.HasProducerName ? model.ProducerName : null,
            model.HasProducerVersion ? model.ProducerVersion : null,
            graph.HasName ? graph.Name : null,
            inputs,
            outputs,
            ClassLabels(graph),
            metadata);
    }

    /// <summary>The name this project (and ONNX Runtime's C API) uses for an ONNX <c>TensorProto.DataType</c> number.</summary>
    /// <returns>"float", "int64", "string"...; "unknown" for 0 (UNDEFINED) and numbers newer than this file.</returns>
    public static string ElementTypeName(int onnxDataType) => (DataType)onnxDataType switch
    {
        DataType.Float => "float",
        DataType.Double => "double",
        DataType.Int8 => "int8",
        DataType.Int16 => "int16",
        DataType.Int32 => "int32",
        DataType.Int64 => "int64",
        DataType.Uint8 => "uint8",
        DataType.Uint16 => "uint16",
        DataType.Uint32 => "uint32",
        DataType.Uint64 => "uint64",
        DataType.Bool => "bool",
        DataType.String => "string",
        DataType.Float16 => "float16",
        DataType.Bfloat16 => "bfloat16",
        DataType.Complex64 => "complex64",
        DataType.Complex128 => "complex128",
        DataType.Float8E4M3Fn => "float8e4m3fn",
        DataType.Float8E4M3Fnuz => "float8e4m3fnuz",
        DataType.Float8E5M2 => "float8e5m2",
        DataType.Float8E5M2Fnuz => "float8e5m2fnuz",
        DataType.Uint4 => "uint4",
        DataType.Int4 => "int4",
        DataType.Float4E2M1 => "float4e2m1",
        DataType.Float8E8M0 => "float8e8m0",
        _ => "unknown",
    };

    private static ModelProto Parse(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            throw new InvalidOnnxModelException("the file is empty.");
        }

        try
        {
            return ModelProto.Parser.ParseFrom(bytes.Span);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // InvalidProtocolBufferException for truncated or garbled data, but a parser may throw others
            // on hostile input; whatever the cause, the caller's answer is the same: not an ONNX file.
            throw new InvalidOnnxModelException($"the file is not an ONNX protobuf ({ex.Message.TrimEnd('.')}).", ex);
        }
    }

    private static OnnxValueInfo Describe(ValueInfoProto value, string role)
    {
        if (string.IsNullOrEmpty(value.Name))
        {
            throw new InvalidOnnxModelException($"a graph {role} has no name.");
        }

        var type = value.Type;
        if (type is null || type.ValueCase == TypeCase.None)
        {
            throw new InvalidOnnxModelException($"graph {role} '{value.Name}' has no type.");
        }

        switch (type.ValueCase)
        {
            case TypeCase.TensorType:
            {
                var tensor = type.TensorType;
                if (tensor.ElemType == (int)DataType.Undefined)
                {
                    throw new InvalidOnnxModelException($"graph {role} '{value.Name}' is a tensor with no element type.");
                }

                var (shape, dimParams) = Shape(tensor.Shape);
                return new OnnxValueInfo(value.Name, OnnxValueKind.Tensor, ElementTypeName(tensor.ElemType), null, shape, dimParams);
            }

            case TypeCase.SequenceType:
            {
                // The common case is ZipMap's sequence of maps (label -> probability), one map per row.
                var element = type.SequenceType.ElemType;
                return element?.ValueCase == TypeCase.MapType
                    ? new OnnxValueInfo(value.Name, OnnxValueKind.Sequence, MapValueType(element.MapType), ElementTypeName(element.MapType.KeyType), null, null)
                    : new OnnxValueInfo(value.Name, OnnxValueKind.Sequence, TensorElementType(element), null, null, null);
            }

            case TypeCase.MapType:
                return new OnnxValueInfo(value.Name, OnnxValueKind.Map, MapValueType(type.MapType), ElementTypeName(type.MapType.KeyType), null, null);

            case TypeCase.SparseTensorType:
            {
                var (shape, dimParams) = Shape(type.SparseTensorType.Shape);
                return new OnnxValueInfo(value.Name, OnnxValueKind.Other, ElementTypeName(type.SparseTensorType.ElemType), null, shape, dimParams);
            }

            default:
                // Optional (and anything newer): report the wrapped tensor's element type where there is one.
                return new OnnxValueInfo(value.Name, OnnxValueKind.Other, TensorElementType(type.OptionalType?.ElemType), null, null, null);
        }
    }

    private static string MapValueType(TypeProto.Types.Map map) => TensorElementType(map.ValueType);

    private static string TensorElementType(TypeProto? type) =>
        type?.ValueCase == TypeCase.TensorType ? ElementTypeName(type.TensorType.ElemType) : "unknown";

    private static (IReadOnlyList<long?>? Shape, IReadOnlyList<string?>? DimParams) Shape(TensorShapeProto? shape)
    {
        // No shape at all means the rank is unknown; an empty shape is a scalar.
        if (shape is null)
        {
            return (null, null);
        }

        var dims = new long?[shape.Dim.Count];
        var dimParams = new string?[shape.Dim.Count];
        for (var i = 0; i < shape.Dim.Count; i++)
        {
            var dim = shape.Dim[i];
            dims[i] = dim.ValueCase == DimensionCase.DimValue && dim.DimValue >= 0 ? dim.DimValue : null;
            dimParams[i] = dim.ValueCase == DimensionCase.DimParam && dim.DimParam.Length > 0 ? dim.DimParam : null;
        }

        return (dims, dimParams);
    }

    private static List<string>? ClassLabels(GraphProto graph)
    {
        var node = graph.Node.FirstOrDefault(n => n.Domain == MlDomain && ClassifierOps.Contains(n.OpType));
        if (node is null)
        {
            return null;
        }

        foreach (var attribute in node.Attribute)
        {
            switch (attribute.Name)
            {
                case "classlabels_strings" when attribute.Strings.Count > 0:
                    return attribute.Strings.Select(s => s.ToStringUtf8()).ToList();
                case "classlabels_int64s" or "classlabels_ints" when attribute.Ints.Count > 0:
                    return attribute.Ints.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
            }
        }

        return null;
    }
}
