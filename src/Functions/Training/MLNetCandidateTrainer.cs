using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML;
using MLOps.Domain.Features;
using MLOps.Domain.Registry;
using MLOps.Domain.Training;
using MLOps.Functions.Configuration;
using MLOps.Training.Data;
using MLOps.Training.Export;
using MLOps.Training.Pipeline;

namespace MLOps.Functions.Training;

/// <summary>The training engine of src/Training behind <see cref="ICandidateTrainer"/>: ML.NET on the train rows, our own ONNX exporter.</summary>
/// <remarks>
/// <para>ML.NET reads its input several times (statistics, each preprocessing fit, the trainer), so the rows reach it one
/// of two ways. When the typed train columns fit <see cref="TrainingOptions.InMemoryTrainingBytes"/> they are read from
/// the blob once, in one streaming pass, into compact arrays (4 bytes per numeric cell, a shared string per category),
/// which the trainers then read without re-parsing: the file's text is never held, only its parsed values, about what
/// LightGBM keeps anyway. Beyond that budget a streaming data view opens the blob again for every cursor, slower but
/// bounded by nothing but the parser's buffers.</para>
/// <para>Columns: numeric and boolean features are Single (NaN when missing, booleans as 0/1), or Double for double
/// inputs; categoricals are Text ("" when missing); the label is Boolean (binary), Text (multiclass) or Single (regression).</para>
/// </remarks>
public sealed partial class MLNetCandidateTrainer(IOptions<TrainingOptions> options, ILoggerFactory loggers) : ICandidateTrainer
{
    private readonly ILogger _logger = loggers.CreateLogger<MLNetCandidateTrainer>();

    public async Task<TrainerOutput> TrainAsync(TrainingRecipe recipe, long trainRows, Func<IEnumerable<RecipeRows>> rows, IProgress<double> progress, CancellationToken cancellationToken)
    {
        var passes = 0;
        IEnumerable<RecipeRows> Pass()
        {
            Interlocked.Increment(ref passes);
            return rows();
        }

        var bytes = EstimatedBytes(recipe, trainRows);
        var inMemory = bytes <= options.Value.InMemoryTrainingBytes && trainRows <= int.MaxValue;
        IDataView view = inMemory
            ? Materialise(recipe, (int)trainRows, Pass(), cancellationToken)
            : new StreamingDataView(Columns(recipe), () => Values(recipe, Pass()), trainRows, cancellationToken);
        LogSource(_logger, trainRows, inMemory ? "typed columns in memory" : "a stream re-read per pass", bytes / 1048576.0);

        var trainer = new ModelTrainer(loggers.CreateLogger<ModelTrainer>());
        var model = await trainer.TrainAsync(recipe, view, new Progress<TrainingProgress>(p => progress.Report(p.Percent / 100)), cancellationToken).ConfigureAwait(false);
        var exported = OnnxModelExporter.Export(model, "mlops");
        LogPasses(_logger, passes);
        IReadOnlyList<string>? classes = recipe.Task == ModelTask.Regression ? null : exported.ClassLabels;
        return new TrainerOutput(exported.Onnx, classes, model.Hyperparameters.Values);
    }

    /// <summary>Bytes the typed train columns take in memory (the arrays ML.NET reads), before ML.NET's own copies.</summary>
    public static long EstimatedBytes(TrainingRecipe recipe, long rows)
    {
        // A categorical cell costs a reference here and a ReadOnlyMemory<char> (16 bytes) in the data view.
        var perRow = recipe.Features.Sum(f => f.Kind == FeatureKind.Categorical ? 24 : f.InputType == FeatureType.Double ? 8 : 4)
            + (recipe.Task == ModelTask.MulticlassClassification ? 24 : 4);
        return rows * perRow;
    }

    internal static IReadOnlyList<TrainingColumn> Columns(TrainingRecipe recipe)
    {
        var columns = recipe.Features.Select(f => new TrainingColumn(f.Name, f.Kind switch
        {
            FeatureKind.Categorical => TrainingColumnType.Text,
            FeatureKind.Numeric when f.InputType == FeatureType.Double => TrainingColumnType.Double,
            _ => TrainingColumnType.Single,
        })).ToList();
        columns.Add(new TrainingColumn(recipe.Label, recipe.Task switch
        {
            ModelTask.BinaryClassification => TrainingColumnType.Boolean,
            ModelTask.MulticlassClassification => TrainingColumnType.Text,
            _ => TrainingColumnType.Single,
        }));
        return columns;
    }

    private static ColumnarDataView Materialise(TrainingRecipe recipe, int rows, IEnumerable<RecipeRows> source, CancellationToken cancellationToken)
    {
        var features = recipe.Features;
        var arrays = new Array[features.Count + 1];
        for (var f = 0; f < features.Count; f++)
        {
            arrays[f] = features[f].Kind == FeatureKind.Categorical ? new string?[rows]
                : features[f].InputType == FeatureType.Double ? new double[rows]
                : new float[rows];
        }

        arrays[^1] = recipe.Task switch
        {
            ModelTask.BinaryClassification => new bool[rows],
            ModelTask.MulticlassClassification => new string[rows],
            _ => new float[rows],
        };
        var interned = features.Select(_ => new Dictionary<string, string>(StringComparer.Ordinal)).ToArray();
        var r = 0;
        foreach (var row in source)
        {
            if (r == rows)
            {
                throw new InvalidOperationException($"The dataset yielded more than the {rows} train rows it was prepared with.");
            }

            if ((r & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            for (var f = 0; f < features.Count; f++)
            {
                switch (arrays[f])
                {
                    case float[] floats: floats[r] = row.Missing[f] ? float.NaN : (float)row.Numbers[f]; break;
                    case double[] doubles: doubles[r] = row.Numbers[f]; break;
                    case string?[] texts: texts[r] = row.Texts[f] is { } t ? Intern(interned[f], t) : null; break;
                }
            }

            switch (arrays[^1])
            {
                case bool[] labels: labels[r] = row.LabelBool; break;
                case string[] labels: labels[r] = row.LabelClass; break;
                case float[] labels: labels[r] = (float)row.LabelValue; break;
            }

            r++;
        }

        if (r != rows)
        {
            throw new InvalidOperationException($"The dataset yielded {r} train rows but was prepared with {rows}.");
        }

        return ColumnarDataView.Create(Columns(recipe).Select((c, i) => KeyValuePair.Create(c.Name, arrays[i])), cancellationToken);
    }

    private static string Intern(Dictionary<string, string> pool, string value)
    {
        if (pool.TryGetValue(value, out var shared))
        {
            return shared;
        }

        if (pool.Count < 100_000)
        {
            pool[value] = value;
        }

        return value;
    }

    private static IEnumerable<IReadOnlyList<object?>> Values(TrainingRecipe recipe, IEnumerable<RecipeRows> source)
    {
        var features = recipe.Features;
        foreach (var row in source)
        {
            // A fresh array per row: the data view may hold on to a row while the reader moves on.
            var values = new object?[features.Count + 1];
            for (var f = 0; f < features.Count; f++)
            {
                values[f] = row.Missing[f] ? null : features[f].Kind == FeatureKind.Categorical ? row.Texts[f] : row.Numbers[f];
            }

            values[features.Count] = recipe.Task switch
            {
                ModelTask.BinaryClassification => row.LabelBool,
                ModelTask.MulticlassClassification => row.LabelClass,
                _ => row.LabelValue,
            };
            yield return values;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Training on {Rows} rows from {Source} (typed columns about {MiB:F0} MiB)")]
    private static partial void LogSource(ILogger logger, long rows, string source, double miB);

    [LoggerMessage(Level = LogLevel.Information, Message = "ML.NET read the train rows from the blob {Passes} time(s)")]
    private static partial void LogPasses(ILogger logger, int passes);
}
