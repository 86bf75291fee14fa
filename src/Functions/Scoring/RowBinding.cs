using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLOps.Domain.Features;

namespace MLOps.Functions.Scoring;

/// <summary>The input and output tensors of one single-row run, built once and refilled for every one-row request.</summary>
/// <remarks>
/// <para>
/// Online traffic is mostly one row per request, and for a small tabular model ONNX Runtime's run is then a few
/// microseconds: building five input tensors (each pinning its array and allocating a native value), letting the
/// runtime allocate the outputs and freeing all of it again cost a third as much as the run. A binding keeps pinned
/// one-element arrays with their tensors for every input and pre-allocated tensors for every output, all bound once to
/// an <see cref="OrtIoBinding"/>; a request copies its row in, runs the binding, and reads the outputs as a batch run's
/// are read. Run with names and values instead, each call looked the names up and built four handle arrays: 5.05
/// against 4.70 µs for a one-row churn score, 440 against 136 bytes allocated, with the raw run at 6.1-6.2 µs in both
/// BenchmarkDotNet runs (docs/benchmarks.md).
/// </para>
/// <para>
/// Only models whose every output is a numeric tensor of known size for one row qualify (a ZipMap, string labels or a
/// size the metadata leaves open go the general way), and only batches whose columns have the types bound. A binding is
/// used by one run at a time; <see cref="RowBindingPool"/> hands them out.
/// </para>
/// </remarks>
internal sealed class RowBinding(OrtIoBinding binding, OrtValue[] inputs, Array?[] inputData, bool packed, OrtValue[] outputs, Array[] outputData) : IDisposable
{
    /// <summary>The outputs of the last run, in the session's output order.</summary>
    public IReadOnlyList<OrtValue> Outputs => outputs;

    /// <summary>The pinned arrays behind <see cref="Outputs"/>, in the same order.</summary>
    public IReadOnlyList<Array> OutputData => outputData;

    /// <summary>Whether single rows of this model can be bound: every output a numeric tensor of fixed size for one row, every input a bindable type.</summary>
    public static bool Supports(InferenceSession session, FeatureSchema? schema)
    {
        if (schema is null)
        {
            return false;
        }

        foreach (var meta in session.OutputMetadata.Values)
        {
            if (OutputShape(meta) is null)
            {
                return false;
            }
        }

        if (schema.PackedInput is { } packed)
        {
            return session.InputMetadata.TryGetValue(packed, out var input)
                && input.IsTensor && input.ElementDataType is TensorElementType.Float or TensorElementType.Double;
        }

        foreach (var feature in schema.Features)
        {
            if (!session.InputMetadata.TryGetValue(feature.Name, out var input) || !input.IsTensor
                || input.Dimensions.Length is not (1 or 2)
                || input.ElementDataType is not (TensorElementType.Float or TensorElementType.Double or TensorElementType.Int64
                    or TensorElementType.Int32 or TensorElementType.Bool or TensorElementType.String))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Builds the tensors for <paramref name="model"/>; call only when <see cref="Supports"/> said yes.</summary>
    public static RowBinding Create(ModelSession model)
    {
        var session = model.Session;
        var schema = model.Version.Features!;
        var built = new List<OrtValue>();
        OrtIoBinding? ioBinding = null;
        try
        {
            string[] inputNames;
            OrtValue[] inputs;
            Array?[] inputData;
            if (schema.PackedInput is { } packed)
            {
                var features = schema.Features.Count;
                long[] shape = [1, features];
                Array data = session.InputMetadata[packed].ElementDataType == TensorElementType.Double
                    ? GC.AllocateArray<double>(features, pinned: true)
                    : GC.AllocateArray<float>(features, pinned: true);
                inputNames = [packed];
                inputData = [data];
                inputs = [Track(built, data is double[] d ? OrtValue.CreateTensorValueFromMemory(d, shape) : OrtValue.CreateTensorValueFromMemory((float[])data, shape))];
            }
            else
            {
                var count = schema.Features.Count;
                inputNames = new string[count];
                inputs = new OrtValue[count];
                inputData = new Array?[count];
                for (var f = 0; f < count; f++)
                {
                    var name = schema.Features[f].Name;
                    long[] shape = model.InputRanks[name] == 1 ? [1] : [1, 1];
                    inputNames[f] = name;
                    (inputs[f], inputData[f]) = session.InputMetadata[name].ElementDataType switch
                    {
                        TensorElementType.Float => Bind(built, GC.AllocateArray<float>(1, pinned: true), shape),
                        TensorElementType.Double => Bind(built, GC.AllocateArray<double>(1, pinned: true), shape),
                        TensorElementType.Int64 => Bind(built, GC.AllocateArray<long>(1, pinned: true), shape),
                        TensorElementType.Int32 => Bind(built, GC.AllocateArray<int>(1, pinned: true), shape),
                        TensorElementType.Bool => Bind(built, GC.AllocateArray<bool>(1, pinned: true), shape),
                        _ => (Track(built, OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape)), null),
                    };
                }
            }

            var outputNames = session.OutputNames.ToArray();
            var outputs = new OrtValue[outputNames.Length];
            var outputData = new Array[outputNames.Length];
            for (var o = 0; o < outputNames.Length; o++)
            {
                var meta = session.OutputMetadata[outputNames[o]];
                var shape = OutputShape(meta)!;
                var size = (int)shape.Aggregate(1L, (a, b) => a * b);
                (outputs[o], outputData[o]) = meta.ElementDataType switch
                {
                    TensorElementType.Float => Bind(built, GC.AllocateArray<float>(size, pinned: true), shape),
                    TensorElementType.Double => Bind(built, GC.AllocateArray<double>(size, pinned: true), shape),
                    TensorElementType.Int64 => Bind(built, GC.AllocateArray<long>(size, pinned: true), shape),
                    _ => Bind(built, GC.AllocateArray<int>(size, pinned: true), shape),
                };
            }

            // The names are resolved and the values bound once: a run is then one call with nothing to look up or allocate.
            ioBinding = session.CreateIoBinding();
            for (var i = 0; i < inputs.Length; i++)
            {
                ioBinding.BindInput(inputNames[i], inputs[i]);
            }

            for (var o = 0; o < outputs.Length; o++)
            {
                ioBinding.BindOutput(outputNames[o], outputs[o]);
            }

            return new RowBinding(ioBinding, inputs, inputData, schema.PackedInput is not null, outputs, outputData);
        }
        catch
        {
            ioBinding?.Dispose();
            foreach (var value in built)
            {
                value.Dispose();
            }

            throw;
        }
    }

    /// <summary>Copies the batch's one row into the bound inputs; false when a column's type is not the bound one.</summary>
    public bool TryFill(ModelSession model, FeatureBatch batch)
    {
        if (batch.Rows != 1 || !ReferenceEquals(batch.Schema, model.Version.Features))
        {
            return false;
        }

        if (packed)
        {
            switch (inputData[0])
            {
                case float[] floats:
                    Scorer.PackInto(batch, floats);
                    return true;
                case double[] doubles:
                    Scorer.PackInto(batch, doubles);
                    return true;
                default:
                    return false;
            }
        }

        for (var f = 0; f < inputs.Length; f++)
        {
            switch (batch.Columns[f], inputData[f])
            {
                case (float[] from, float[] to): to[0] = from[0]; break;
                case (double[] from, double[] to): to[0] = from[0]; break;
                case (long[] from, long[] to): to[0] = from[0]; break;
                case (int[] from, int[] to): to[0] = from[0]; break;
                case (bool[] from, bool[] to): to[0] = from[0]; break;
                case (string[] from, null):
                    if (f < model.KnownCategories.Count && model.KnownCategories[f] is { } known && from[0] is { } category && known.TryGetUtf8(category, out var utf8))
                    {
                        inputs[f].StringTensorSetElementAt(utf8, 0);
                    }
                    else
                    {
                        inputs[f].StringTensorSetElementAt((from[0] ?? string.Empty).AsSpan(), 0);
                    }

                    break;
                default: return false;
            }
        }

        return true;
    }

    /// <summary>Runs the session on the filled inputs; the answer is in <see cref="Outputs"/>.</summary>
    public void Run(ModelSession model, RunOptions options) => model.Session.RunWithBinding(options, binding);

    public void Dispose()
    {
        binding.Dispose();
        foreach (var value in inputs)
        {
            value.Dispose();
        }

        foreach (var value in outputs)
        {
            value.Dispose();
        }
    }

    /// <summary>The most elements a bound output holds for one row (4 MiB of floats): larger outputs are not kept per binding.</summary>
    internal const long MaxOutputElements = 1 << 20;

    /// <summary>A numeric output's shape for one row: the first dimension 1, every other known; null when it cannot be pre-allocated.</summary>
    private static long[]? OutputShape(NodeMetadata meta)
    {
        if (meta.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR
            || meta.ElementDataType is not (TensorElementType.Float or TensorElementType.Double or TensorElementType.Int64 or TensorElementType.Int32)
            || meta.Dimensions.Length is 0 or > 4
            || meta.Dimensions[0] is not (-1 or 1))
        {
            return null;
        }

        var shape = new long[meta.Dimensions.Length];
        shape[0] = 1;
        long elements = 1;
        for (var d = 1; d < shape.Length; d++)
        {
            shape[d] = meta.Dimensions[d];
            elements *= shape[d];
            if (shape[d] <= 0 || elements > MaxOutputElements)
            {
                return null;
            }
        }

        return shape;
    }

    private static (OrtValue, Array) Bind<T>(List<OrtValue> built, T[] data, long[] shape)
        where T : unmanaged => (Track(built, OrtValue.CreateTensorValueFromMemory(data, shape)), data);

    private static OrtValue Track(List<OrtValue> built, OrtValue value)
    {
        built.Add(value);
        return value;
    }
}

/// <summary>The <see cref="RowBinding"/>s of one loaded version: one per concurrent single-row run, kept for reuse.</summary>
internal sealed class RowBindingPool : IDisposable
{
    private readonly ModelSession _model;
    private readonly Stack<RowBinding> _free = new();
    private readonly int _keep = Math.Max(2, Environment.ProcessorCount * 2);
    private bool _closed;

    public RowBindingPool(ModelSession model) => _model = model;

    /// <summary>Bindings waiting for reuse.</summary>
    public int Available
    {
        get
        {
            lock (_free)
            {
                return _free.Count;
            }
        }
    }

    /// <summary>A binding for one run, or null once the pool is closed (the model refused a bound run, or the session is gone).</summary>
    public RowBinding? Rent()
    {
        lock (_free)
        {
            if (_closed)
            {
                return null;
            }

            if (_free.TryPop(out var binding))
            {
                return binding;
            }
        }

        return RowBinding.Create(_model);
    }

    public void Return(RowBinding binding)
    {
        lock (_free)
        {
            if (!_closed && _free.Count < _keep)
            {
                _free.Push(binding);
                return;
            }
        }

        binding.Dispose();
    }

    /// <summary>No more bound runs: single rows take the general path from now on.</summary>
    public void Close()
    {
        lock (_free)
        {
            _closed = true;
            while (_free.TryPop(out var binding))
            {
                binding.Dispose();
            }
        }
    }

    public void Dispose() => Close();
}
