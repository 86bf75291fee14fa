using Google.Protobuf;
using MLOps.Onnx.Protobuf;
using DataType = MLOps.Onnx.Protobuf.TensorProto.Types.DataType;

namespace MLOps.Onnx;

/// <summary>Builds an ONNX model in code: inputs, outputs, nodes, initializers and opsets, then the file's bytes.</summary>
/// <remarks>
/// The samples and tests use it to make models without downloads, and exporters to write trained models.
/// It writes what it is told and does not type-check the graph: ONNX Runtime does that when it loads the model.
/// </remarks>
public sealed class OnnxGraphBuilder(string graphName = "graph")
{
    /// <summary>IR version 8 (ONNX 1.12, opsets up to 17 and ai.onnx.ml 3), which every ONNX Runtime since 1.12 loads.</summary>
    public const long IrVersion = 8;

    /// <summary>The default ai.onnx opset: the newest that IR version 8 goes with.</summary>
    public const long DefaultOpset = 17;

    /// <summary>The ai.onnx.ml opset that IR version 8 goes with (TreeEnsemble*, LinearClassifier, OneHotEncoder, Scaler...).</summary>
    public const long DefaultMlOpset = 3;

    /// <summary>The domain of the classical ML operators.</summary>
    public const string MlDomain = "ai.onnx.ml";

    /// <summary>Pass as a dimension to make it the symbolic batch dimension <see cref="BatchDimName"/>.</summary>
    public const long Batch = -1;

    /// <summary>The name of the symbolic batch dimension.</summary>
    public const string BatchDimName = "N";

    private readonly GraphProto _graph = new() { Name = graphName };
    private readonly Dictionary<string, long> _opsets = new(StringComparer.Ordinal) { [string.Empty] = DefaultOpset };
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);
    private string _producerName = "mlops";
    private string _producerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";
    private int _nodeCount;

    /// <summary>Adds a tensor input; a negative dimension (<see cref="Batch"/>) becomes the symbolic dimension "N".</summary>
    public OnnxGraphBuilder AddInput(string name, DataType type, params long[] dims) => AddInput(TensorValue(name, type, dims));

    /// <summary>Adds an input of any type (see <see cref="TensorValue"/> and <see cref="SequenceOfMapsValue"/>).</summary>
    public OnnxGraphBuilder AddInput(ValueInfoProto value)
    {
        _graph.Input.Add(value);
        return this;
    }

    /// <summary>Adds a tensor output; a negative dimension (<see cref="Batch"/>) becomes the symbolic dimension "N".</summary>
    public OnnxGraphBuilder AddOutput(string name, DataType type, params long[] dims) => AddOutput(TensorValue(name, type, dims));

    /// <summary>Adds an output of any type, such as the sequence of maps a ZipMap produces.</summary>
    public OnnxGraphBuilder AddOutput(ValueInfoProto value)
    {
        _graph.Output.Add(value);
        return this;
    }

    /// <summary>Adds a node; nodes must be added in topological order, as ONNX requires.</summary>
    /// <param name="domain">Empty for ai.onnx, <see cref="MlDomain"/> for classical ML operators (remember <see cref="WithOpset"/>).</param>
    public OnnxGraphBuilder AddNode(string opType, string[] inputs, string[] outputs, string domain = "", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodeCount++}", Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return this;
    }

    /// <summary>Adds a constant tensor that nodes can use as an input (see <see cref="OnnxTensor"/>).</summary>
    public OnnxGraphBuilder AddInitializer(TensorProto tensor)
    {
        _graph.Initializer.Add(tensor);
        return this;
    }

    public OnnxGraphBuilder AddInitializer(string name, float[] values, params long[] dims) =>
        AddInitializer(OnnxTensor.Float(name, values, dims));

    public OnnxGraphBuilder AddInitializer(string name, long[] values, params long[] dims) =>
        AddInitializer(OnnxTensor.Int64(name, values, dims));

    /// <summary>Imports an operator set; ai.onnx <see cref="DefaultOpset"/> is imported unless overridden here.</summary>
    public OnnxGraphBuilder WithOpset(string domain, long version)
    {
        _opsets[domain == "ai.onnx" ? string.Empty : domain] = version;
        return this;
    }

    /// <summary>Sets a model metadata property (ONNX Runtime shows them as custom metadata); the last value for a key wins.</summary>
    public OnnxGraphBuilder WithMetadata(string key, string value)
    {
        _metadata[key] = value;
        return this;
    }

    /// <summary>Overrides the producer, "mlops" and this assembly's version by default.</summary>
    public OnnxGraphBuilder WithProducer(string name, string version)
    {
        _producerName = name;
        _producerVersion = version;
        return this;
    }

    /// <summary>The serialised ModelProto; the builder can keep being used afterwards.</summary>
    public byte[] Build()
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = _producerName,
            ProducerVersion = _producerVersion,
            Graph = _graph.Clone(),
        };
        foreach (var (domain, version) in _opsets)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }

        foreach (var (key, value) in _metadata)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model.ToByteArray();
    }

    /// <summary>A tensor value description; negative dimensions become the symbolic batch dimension.</summary>
    public static ValueInfoProto TensorValue(string name, DataType type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d < 0
                ? new TensorShapeProto.Types.Dimension { DimParam = BatchDimName }
                : new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    /// <summary>The type of a ZipMap output: one map from class label to probability per row.</summary>
    public static ValueInfoProto SequenceOfMapsValue(string name, DataType keyType, DataType valueType) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            SequenceType = new TypeProto.Types.Sequence
            {
                ElemType = new TypeProto
                {
                    MapType = new TypeProto.Types.Map
                    {
                        KeyType = (int)keyType,
                        ValueType = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)valueType } },
                    },
                },
            },
        },
    };
}
