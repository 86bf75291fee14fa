using System.Collections.ObjectModel;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;

namespace MLOps.Functions.Scoring;

/// <summary>Runs validated feature batches through a model session and reads its answer.</summary>
public sealed class Scorer
{
    private readonly RunOptions _runOptions = new();

    public ScoreResult Score(ModelSession model, FeatureBatch batch)
    {
        var boundRunFailed = false;
        if (batch.Rows == 1 && model.RowBindings?.Rent() is { } row)
        {
            try
            {
                if (row.TryFill(model, batch))
                {
                    row.Run(model, _runOptions);
                    return Read(model.Plan, row.Outputs, 1, row.OutputData);
                }
            }
            catch (OnnxRuntimeException)
            {
                // Either this input is one the model refuses (the general run below says so too), or the model's outputs
                // are not the size its metadata promised for one row; which one, the general run tells.
                boundRunFailed = true;
            }
            finally
            {
                model.RowBindings.Return(row);
            }
        }

        var result = ScoreUnbound(model, batch);
        if (boundRunFailed)
        {
            // The model answered this row the general way: its outputs cannot be bound ahead, so bind no more.
            model.RowBindings!.Close();
        }

        return result;
    }

    private ScoreResult ScoreUnbound(ModelSession model, FeatureBatch batch)
    {
        var schema = batch.Schema;
        var inputNames = new List<string>(schema.PackedInput is null ? schema.Features.Count : 1);
        using var inputs = new OrtValueList(inputNames.Capacity);
        if (schema.PackedInput is { } packed)
        {
            inputNames.Add(packed);
            inputs.Add(Pack(model, packed, batch));
        }
        else
        {
            for (var f = 0; f < schema.Features.Count; f++)
            {
                var name = schema.Features[f].Name;
                var rank = model.InputRanks[name];
                long[] shape = rank == 1 ? [batch.Rows] : [batch.Rows, 1];
                inputNames.Add(name);
                inputs.Add(batch.Columns[f] is string[] strings
                    ? StringTensors.Create(strings, shape, f < model.KnownCategories.Count ? model.KnownCategories[f] : null)
                    : Column(batch.Columns[f], shape));
            }
        }

        using var outputs = Run(model, inputNames, inputs);
        return Read(model.Plan, outputs, batch.Rows);
    }

    /// <summary>Copies a run's outputs (in the session's output order) into a result, as the version's output plan reads them.</summary>
    /// <param name="plan">How the outputs read.</param>
    /// <param name="outputs">The run's outputs.</param>
    /// <param name="rows">Rows scored.</param>
    /// <param name="bound">The managed arrays behind <paramref name="outputs"/> when a row binding pre-allocated them: copied
    /// as they are, without asking ONNX Runtime for each tensor's type and shape.</param>
    private static ScoreResult Read(OutputPlan plan, IReadOnlyList<OrtValue> outputs, int rows, IReadOnlyList<Array>? bound = null)
    {
        OrtValue Output(string name) => outputs[plan.Position[name]];
        Array Tensor(string name) => bound is null ? TensorValues.ToArray(Output(name)) : (Array)bound[plan.Position[name]].Clone();

        long[]? intLabels = null;
        string[]? stringLabels = null;
        if (plan.LabelOutput is { } labelName)
        {
            switch (Tensor(labelName))
            {
                case long[] l: intLabels = l; break;
                case int[] i: intLabels = Array.ConvertAll(i, x => (long)x); break;
                case string[] s: stringLabels = s; break;
            }
        }

        float[]? probabilities = null;
        IReadOnlyList<string> classNames = plan.ClassLabels;
        if (plan.ProbabilityOutput is { } probabilityName)
        {
            (probabilities, classNames) = plan.ProbabilitiesAreZipMap
                ? ReadZipMap(Output(probabilityName), rows)
                : ReadProbabilityTensor(Tensor(probabilityName), rows, plan.ClassLabels);
        }

        double[]? values = null;
        if (plan.ValueOutput is { } valueName)
        {
            values = Tensor(valueName) switch
            {
                float[] f => Array.ConvertAll(f, x => (double)x),
                double[] d => d,
                _ => null,
            };
        }

        // Most models have no outputs beyond label, probabilities and value: no dictionary for them.
        Dictionary<string, object?[]>? others = null;
        foreach (var name in plan.OtherOutputs)
        {
            if (bound is not null || Output(name).OnnxType == OnnxValueType.ONNX_TYPE_TENSOR)
            {
                (others ??= new(StringComparer.Ordinal))[name] = TensorValues.ToRows(Tensor(name), rows);
            }
        }

        return new ScoreResult
        {
            Rows = rows,
            IntLabels = intLabels,
            StringLabels = stringLabels,
            Probabilities = probabilities,
            ClassNames = classNames,
            Values = values,
            OtherOutputs = others is null ? ReadOnlyDictionary<string, object?[]>.Empty : others,
        };
    }

    /// <summary>Runs the session on prepared inputs; ONNX Runtime's own errors become a 400 that names them.</summary>
    internal IDisposableReadOnlyCollection<OrtValue> Run(ModelSession model, IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs)
    {
        try
        {
            return model.Session.Run(_runOptions, inputNames, inputs, model.Session.OutputNames);
        }
        catch (OnnxRuntimeException ex)
        {
            // The inputs passed our checks but the model still refused them (a shape it cannot take, say).
            throw MLOpsException.Validation($"The model rejected the input: {ex.Message}");
        }
    }

    private static OrtValue Column(Array column, long[] shape) => column switch
    {
        float[] f => OrtValue.CreateTensorValueFromMemory(f, shape),
        double[] d => OrtValue.CreateTensorValueFromMemory(d, shape),
        int[] i => OrtValue.CreateTensorValueFromMemory(i, shape),
        long[] l => OrtValue.CreateTensorValueFromMemory(l, shape),
        bool[] b => OrtValue.CreateTensorValueFromMemory(b, shape),
        string[] s => StringTensors.Create(s, shape),
        _ => throw new NotSupportedException(column.GetType().Name),
    };

    private static OrtValue Pack(ModelSession model, string input, FeatureBatch batch)
    {
        long[] shape = [batch.Rows, batch.Schema.Features.Count];
        if (model.Session.InputMetadata[input].ElementDataType == TensorElementType.Double)
        {
            var packedDoubles = new double[batch.Rows * batch.Schema.Features.Count];
            PackInto(batch, packedDoubles);
            return OrtValue.CreateTensorValueFromMemory(packedDoubles, shape);
        }

        var packed = new float[batch.Rows * batch.Schema.Features.Count];
        PackInto(batch, packed);
        return OrtValue.CreateTensorValueFromMemory(packed, shape);
    }

    /// <summary>Lays the batch's columns out row by row into <paramref name="target"/>, [rows, features].</summary>
    internal static void PackInto(FeatureBatch batch, Span<double> target)
    {
        var features = batch.Schema.Features.Count;
        for (var f = 0; f < features; f++)
        {
            var column = batch.Columns[f];
            for (var r = 0; r < batch.Rows; r++)
            {
                target[(r * features) + f] = Number(column, r);
            }
        }
    }

    /// <summary>Lays the batch's columns out row by row into <paramref name="target"/>, [rows, features].</summary>
    internal static void PackInto(FeatureBatch batch, Span<float> target)
    {
        var features = batch.Schema.Features.Count;
        for (var f = 0; f < features; f++)
        {
            var column = batch.Columns[f];
            if (column is float[] floats)
            {
                for (var r = 0; r < batch.Rows; r++)
                {
                    target[(r * features) + f] = floats[r];
                }
            }
            else
            {
                for (var r = 0; r < batch.Rows; r++)
                {
                    target[(r * features) + f] = (float)Number(column, r);
                }
            }
        }
    }

    private static double Number(Array column, int row) => column switch
    {
        float[] f => f[row],
        double[] d => d[row],
        int[] i => i[row],
        long[] l => l[row],
        bool[] b => b[row] ? 1 : 0,
        _ => throw new NotSupportedException(column.GetType().Name),
    };

    private static (float[], IReadOnlyList<string>) ReadProbabilityTensor(Array tensor, int rows, IReadOnlyList<string> labels)
    {
        var data = tensor switch
        {
            float[] f => f,
            double[] d => Array.ConvertAll(d, x => (float)x),
            _ => [],
        };
        var classes = rows == 0 ? 0 : data.Length / rows;
        IReadOnlyList<string> names = labels.Count == classes
            ? labels
            : Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (data, names);
    }

    private static (float[], IReadOnlyList<string>) ReadZipMap(OrtValue sequence, int rows)
    {
        var allocator = OrtAllocator.DefaultInstance;
        string[] names = [];
        float[] probabilities = [];
        var count = sequence.GetValueCount();
        for (var r = 0; r < count; r++)
        {
            using var map = sequence.GetValue(r, allocator);
            using var keys = map.GetValue(0, allocator);
            using var values = map.GetValue(1, allocator);
            if (r == 0)
            {
                names = TensorValues.ToArray(keys) switch
                {
                    string[] s => s,
                    long[] l => Array.ConvertAll(l, x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    _ => [],
                };
                probabilities = new float[rows * names.Length];
            }

            var row = values.GetTensorDataAsSpan<float>();
            row[..Math.Min(row.Length, names.Length)].CopyTo(probabilities.AsSpan(r * names.Length));
        }

        return (probabilities, names);
    }
}
