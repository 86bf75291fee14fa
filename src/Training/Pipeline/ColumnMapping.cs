using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLOps.Training.Pipeline;

/// <summary>One-column ML.NET custom mappings with the column names chosen at run time.</summary>
/// <remarks>
/// ML.NET's missing-value replacer knows mean, min, max and mode but neither median nor a given constant, and it does
/// not expose the values it learned. The pipeline therefore computes every replacement itself (see
/// <see cref="DatasetStatistics"/>) and applies it with these mappings, so ML.NET and the exported graph use the very
/// same numbers. They are not saved as ML.NET models (no contract name): the exported ONNX file is the artifact.
/// </remarks>
internal static class ColumnMapping
{
    public static CustomMappingEstimator<Box<TIn>, Box<TOut>> Scalar<TIn, TOut>(
        MLContext ml, string input, string output, Func<TIn, TOut> map)
    {
        var inputs = SchemaDefinition.Create(typeof(Box<TIn>));
        inputs[0].ColumnName = input;
        var outputs = SchemaDefinition.Create(typeof(Box<TOut>));
        outputs[0].ColumnName = output;
        return ml.Transforms.CustomMapping<Box<TIn>, Box<TOut>>(
            (source, target) => target.Value = map(source.Value), contractName: null, inputs, outputs);
    }

    /// <summary>Replaces NaN in each slot of a float vector column with that slot's fill (NaN leaves it as is).</summary>
    public static CustomMappingEstimator<Box<float[]>, Box<float[]>> ImputeVector(MLContext ml, string input, string output, float[] fills)
    {
        var type = new VectorDataViewType(NumberDataViewType.Single, fills.Length);
        var inputs = SchemaDefinition.Create(typeof(Box<float[]>));
        inputs[0].ColumnName = input;
        inputs[0].ColumnType = type;
        var outputs = SchemaDefinition.Create(typeof(Box<float[]>));
        outputs[0].ColumnName = output;
        outputs[0].ColumnType = type;
        return ml.Transforms.CustomMapping<Box<float[]>, Box<float[]>>(
            (source, target) =>
            {
                var values = new float[fills.Length];
                for (var i = 0; i < values.Length; i++)
                {
                    var v = source.Value[i];
                    values[i] = float.IsNaN(v) ? fills[i] : v;
                }

                target.Value = values;
            },
            contractName: null,
            inputs,
            outputs);
    }
}

/// <summary>The one-field row class ML.NET's custom mapping reads and writes; the column name comes from the schema definition.</summary>
public sealed class Box<T>
{
    public T Value { get; set; } = default!;
}
