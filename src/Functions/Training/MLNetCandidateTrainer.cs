using Microsoft.Extensions.Logging;
using MLOps.Domain.Features;
using MLOps.Domain.Registry;
using MLOps.Domain.Training;
using MLOps.Training.Data;
using MLOps.Training.Export;
using MLOps.Training.Pipeline;

namespace MLOps.Functions.Training;

/// <summary>The training engine of src/Training behind <see cref="ICandidateTrainer"/>: ML.NET on streamed rows, our own ONNX exporter.</summary>
/// <remarks>
/// Rows reach ML.NET through a streaming data view whose every cursor opens the dataset blob again, so the file is
/// never held in memory; ML.NET's trainers keep what they need (LightGBM and FastTree bin the features once).
/// Numeric and boolean features are declared Single (NaN when missing, booleans as 0/1), or Double for double inputs;
/// categoricals are Text ("" when missing); the label is Boolean (binary), Text (multiclass) or Single (regression).
/// </remarks>
public sealed class MLNetCandidateTrainer(ILoggerFactory loggers) : ICandidateTrainer
{
    public async Task<TrainerOutput> TrainAsync(TrainingRecipe recipe, Func<IEnumerable<RecipeRows>> rows, IProgress<double> progress, CancellationToken cancellationToken)
    {
        var columns = Columns(recipe);
        var view = new StreamingDataView(columns, () => Rows(recipe, rows()), cancellation: cancellationToken);
        var trainer = new ModelTrainer(loggers.CreateLogger<ModelTrainer>());
        var model = await trainer.TrainAsync(recipe, view, new Progress<TrainingProgress>(p => progress.Report(p.Percent / 100)), cancellationToken).ConfigureAwait(false);
        var exported = OnnxModelExporter.Export(model, "mlops");
        IReadOnlyList<string>? classes = recipe.Task == ModelTask.Regression ? null : exported.ClassLabels;
        return new TrainerOutput(exported.Onnx, classes, model.Hyperparameters.Values);
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

    private static IEnumerable<IReadOnlyList<object?>> Rows(TrainingRecipe recipe, IEnumerable<RecipeRows> source)
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
}
