using Microsoft.ML;
using Microsoft.ML.Data;
using MLOps.Domain.Registry;
using MLOps.Domain.Training;

namespace MLOps.Training.Pipeline;

/// <summary>
/// A model trained from a recipe: the fitted ML.NET chain (to predict and to check parity), the feature layout,
/// the normaliser and the trainer's model parameters the exporter reads, and the class labels.
/// </summary>
public sealed class TrainedModel
{
    internal const string FeaturesColumn = "__mlops_features";
    internal const string LabelColumn = "__mlops_label";

    internal TrainedModel(
        MLContext ml,
        TrainingRecipe recipe,
        HyperparameterValues hyperparameters,
        FeatureLayout layout,
        ITransformer transformer,
        object parameters,
        float[]? normalizerScale,
        float[]? normalizerOffset,
        IReadOnlyList<string> classLabels,
        bool classLabelsAreIntegers,
        long trainingRows,
        TimeSpan duration)
    {
        Context = ml;
        Recipe = recipe;
        Hyperparameters = hyperparameters;
        Layout = layout;
        Transformer = transformer;
        Parameters = parameters;
        NormalizerScale = normalizerScale;
        NormalizerOffset = normalizerOffset;
        ClassLabels = classLabels;
        ClassLabelsAreIntegers = classLabelsAreIntegers;
        TrainingRows = trainingRows;
        Duration = duration;
    }

    public TrainingRecipe Recipe { get; }

    public ModelTask Task => Recipe.Task;

    public TrainerDefinition Trainer => Recipe.Definition!;

    /// <summary>Every hyperparameter with the value used (defaults included), for lineage and model cards.</summary>
    public HyperparameterValues Hyperparameters { get; }

    public FeatureLayout Layout { get; }

    /// <summary>The whole fitted chain: typing, imputation, one-hot, concatenation, normaliser (linear), trainer.</summary>
    public ITransformer Transformer { get; }

    /// <summary>The trainer's model parameters, such as a calibrated LightGBM ensemble or maximum-entropy weights.</summary>
    public object Parameters { get; }

    /// <summary>Min-max normaliser of linear models as (x - offset) * scale per slot; null for trees.</summary>
    public float[]? NormalizerScale { get; }

    public float[]? NormalizerOffset { get; }

    /// <summary>Class names in the order of the probability columns; empty for regression.</summary>
    public IReadOnlyList<string> ClassLabels { get; }

    /// <summary>Whether the classes are whole numbers (the model's label output is int64) rather than text.</summary>
    public bool ClassLabelsAreIntegers { get; }

    public long TrainingRows { get; }

    public TimeSpan Duration { get; }

    internal MLContext Context { get; }

    /// <summary>Runs rows through the fitted chain (lazily, as ML.NET does).</summary>
    public IDataView Transform(IDataView data) => Transformer.Transform(data);

    /// <summary>ML.NET's one-row predictor over the fitted chain, for typed rows whose members are named as the dataset's columns.</summary>
    public PredictionEngine<TRow, TPrediction> CreatePredictionEngine<TRow, TPrediction>()
        where TRow : class
        where TPrediction : class, new() =>
        Context.Model.CreatePredictionEngine<TRow, TPrediction>(Transformer);

    /// <summary>Name of the label column in <see cref="Transform"/>'s output, for ML.NET's evaluators.</summary>
    public string LabelColumnName => LabelColumn;

    /// <summary>Predicts every row of <paramref name="data"/> with ML.NET and reads the true labels alongside.</summary>
    public ModelPredictions Predict(IDataView data, CancellationToken cancellation = default)
    {
        var scored = Transform(data);
        var schema = scored.Schema;
        var predicted = new List<int>();
        var probabilities = new List<float[]>();
        var scores = new List<float>();
        var actualClass = new List<int>();
        var actualValue = new List<float>();

        var columns = new List<DataViewSchema.Column> { schema["Score"], schema[LabelColumn] };
        if (Task != ModelTask.Regression)
        {
            columns.Add(schema["PredictedLabel"]);
        }

        if (Task == ModelTask.BinaryClassification)
        {
            columns.Add(schema["Probability"]);
        }

        using var cursor = scored.GetRowCursor(columns);
        switch (Task)
        {
            case ModelTask.BinaryClassification:
            {
                var score = cursor.GetGetter<float>(schema["Score"]);
                var probability = cursor.GetGetter<float>(schema["Probability"]);
                var label = cursor.GetGetter<bool>(schema["PredictedLabel"]);
                var actual = cursor.GetGetter<bool>(schema[LabelColumn]);
                float s = 0, p = 0;
                bool l = false, a = false;
                while (cursor.MoveNext())
                {
                    cancellation.ThrowIfCancellationRequested();
                    score(ref s);
                    probability(ref p);
                    label(ref l);
                    actual(ref a);
                    scores.Add(s);
                    probabilities.Add([1f - p, p]);
                    predicted.Add(l ? 1 : 0);
                    actualClass.Add(a ? 1 : 0);
                }

                break;
            }

            case ModelTask.MulticlassClassification:
            {
                var score = cursor.GetGetter<VBuffer<float>>(schema["Score"]);
                var label = cursor.GetGetter<uint>(schema["PredictedLabel"]);
                var actual = cursor.GetGetter<uint>(schema[LabelColumn]);
                var s = default(VBuffer<float>);
                uint l = 0, a = 0;
                while (cursor.MoveNext())
                {
                    cancellation.ThrowIfCancellationRequested();
                    score(ref s);
                    label(ref l);
                    actual(ref a);
                    probabilities.Add(s.DenseValues().ToArray());
                    predicted.Add((int)l - 1);
                    actualClass.Add((int)a - 1);
                }

                break;
            }

            default:
            {
                var score = cursor.GetGetter<float>(schema["Score"]);
                var actual = cursor.GetGetter<float>(schema[LabelColumn]);
                float s = 0, a = 0;
                while (cursor.MoveNext())
                {
                    cancellation.ThrowIfCancellationRequested();
                    score(ref s);
                    actual(ref a);
                    scores.Add(s);
                    actualValue.Add(a);
                }

                break;
            }
        }

        return Task == ModelTask.Regression
            ? new ModelPredictions(Task, ClassLabels, null, null, scores.ToArray(), null, actualValue.ToArray())
            : new ModelPredictions(Task, ClassLabels, predicted.ToArray(), probabilities.ToArray(),
                Task == ModelTask.BinaryClassification ? scores.ToArray() : null, actualClass.ToArray(), null);
    }
}
