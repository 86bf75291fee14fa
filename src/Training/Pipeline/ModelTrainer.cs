using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Training;

namespace MLOps.Training.Pipeline;

/// <summary>
/// Trains a model from a <see cref="TrainingRecipe"/> on an ML.NET <see cref="IDataView"/>: checks the data against the
/// recipe, computes imputation values, one-hot encodes categoricals, normalises for linear trainers, and fits the
/// trainer while reporting its iterations as a percentage.
/// </summary>
/// <remarks>
/// Pipeline, in order: typing (numeric and boolean features and numeric labels to Single), imputation of numeric and
/// boolean slots (one vector), imputation and one-hot encoding of each categorical, concatenation into one feature
/// vector (<see cref="FeatureLayout"/>), min-max normalisation (linear trainers only), the trainer.
/// Progress: statistics 0-5 %, preprocessing 5-15 %, trainer 15-95 % (by its own iteration count), done 100 %.
/// </remarks>
public sealed partial class ModelTrainer(ILogger<ModelTrainer>? logger = null)
{
    private const string NumericColumn = "__mlops_numeric";
    private const string ImputedColumn = "__mlops_numeric_imputed";
    private const int MaxCategories = 10_000;

    private readonly ILogger _logger = logger ?? NullLogger<ModelTrainer>.Instance;

    /// <summary>How often the trainer's own progress is read while it runs.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Trains on a background thread; see <see cref="Train"/>.</summary>
    public Task<TrainedModel> TrainAsync(TrainingRecipe recipe, IDataView training, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default) =>
        Task.Factory.StartNew(() => Train(recipe, training, progress, cancellation), cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Trains the recipe's model on <paramref name="training"/>.</summary>
    /// <exception cref="MLOpsException">The recipe is invalid or the data does not suit it (every problem listed).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; ML.NET is told to stop as well.</exception>
    public TrainedModel Train(TrainingRecipe recipe, IDataView training, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(training);
        var recipeErrors = recipe.Check();
        if (recipeErrors.Count > 0)
        {
            throw MLOpsException.Validation("The training recipe is invalid.", recipeErrors);
        }

        var reporter = new ProgressReporter(this, recipe.Trainer, progress);
        var stopwatch = Stopwatch.StartNew();
        var ml = new MLContext(recipe.Seed);
        using var cancelMl = cancellation.Register(() => MLNetCancellation.Cancel(ml));
        try
        {
            return TrainCore(ml, recipe, training, reporter, stopwatch, cancellation);
        }
        catch (Exception e) when (cancellation.IsCancellationRequested && e is not OperationCanceledException)
        {
            // ML.NET reports its own cancellation in several ways; callers get one.
            throw new OperationCanceledException("Training was cancelled.", e, cancellation);
        }
        catch (InvalidDataException e)
        {
            throw MLOpsException.Validation(e.Message, [new("dataset", null, e.Message)]);
        }
    }

    private TrainedModel TrainCore(MLContext ml, TrainingRecipe recipe, IDataView training, ProgressReporter reporter, Stopwatch stopwatch, CancellationToken cancellation)
    {
        var trainer = recipe.Definition!;
        var hyperparameters = recipe.ResolveHyperparameters();
        CheckSchema(recipe, training.Schema);
        LogStarted(_logger, recipe.Trainer, recipe.Features.Count);

        reporter.Report("statistics", 0);
        var typing = Typing(ml, recipe, training.Schema).Fit(training);
        var typed = typing.Transform(training);
        var statistics = DatasetStatistics.Compute(recipe, typed, cancellation);

        reporter.Report("preprocessing", 5);
        var numeric = recipe.Features.Where(f => f.Kind != FeatureKind.Categorical)
            .Select(f => new NumericSlot(f, statistics.NumericFills[f.Name])).ToList();
        var preprocessing = Preprocessing(ml, recipe, numeric, statistics).Fit(typed);
        var prepared = preprocessing.Transform(typed);
        var layout = new FeatureLayout(numeric, ReadCategories(recipe, prepared.Schema, statistics));
        cancellation.ThrowIfCancellationRequested();

        ITransformer? normalizer = null;
        float[]? scale = null, offset = null;
        if (trainer.Family == TrainerFamily.Linear)
        {
            var fitted = ml.Transforms.NormalizeMinMax(TrainedModel.FeaturesColumn).Fit(prepared);
            (scale, offset) = ReadNormalizer(fitted, layout.Width);
            normalizer = fitted;
            prepared = fitted.Transform(prepared);
        }

        reporter.Report("training", 15, $"{statistics.Rows} rows, {layout.Width} feature slots");
        var estimator = TrainerFactory.Create(ml, trainer, hyperparameters, TrainedModel.LabelColumn, TrainedModel.FeaturesColumn, recipe.Seed);
        var budget = TrainerFactory.IterationBudget(trainer, hyperparameters);
        ITransformer predictor;
        using (new MLNetProgressMonitor(ml, ProgressInterval, (done, total) => reporter.Iteration(done, total ?? budget)))
        {
            predictor = estimator.Fit(prepared);
        }

        cancellation.ThrowIfCancellationRequested();
        var parameters = ((ISingleFeaturePredictionTransformer<object>)predictor).Model;
        var (classLabels, integers) = ReadClassLabels(recipe.Task, prepared.Schema);
        ITransformer[] chain = normalizer is null ? [typing, preprocessing, predictor] : [typing, preprocessing, normalizer, predictor];
        var model = new TrainedModel(ml, recipe, hyperparameters, layout, new TransformerChain<ITransformer>(chain), parameters,
            scale, offset, classLabels, integers, statistics.Rows, stopwatch.Elapsed);

        reporter.Report("done", 100);
        LogFinished(_logger, recipe.Trainer, statistics.Rows, layout.Width, stopwatch.Elapsed.TotalSeconds);
        return model;
    }

    /// <summary>Every recipe column must exist with a type its kind can use; all mismatches are reported together.</summary>
    private static void CheckSchema(TrainingRecipe recipe, DataViewSchema schema)
    {
        var errors = new List<ProblemError>();
        foreach (var feature in recipe.Features)
        {
            if (schema.GetColumnOrNull(feature.Name) is not { } column)
            {
                errors.Add(new(feature.Name, null, $"The dataset has no column '{feature.Name}' (a feature of the recipe)."));
                continue;
            }

            var ok = feature.Kind switch
            {
                FeatureKind.Numeric => column.Type is NumberDataViewType,
                FeatureKind.Boolean => column.Type is BooleanDataViewType || column.Type is NumberDataViewType,
                _ => column.Type is TextDataViewType,
            };
            if (!ok)
            {
                var expected = feature.Kind switch
                {
                    FeatureKind.Numeric => "a number",
                    FeatureKind.Boolean => "a boolean (or 0/1)",
                    _ => "text",
                };
                errors.Add(new(feature.Name, null, $"Column '{feature.Name}' holds {column.Type}; the recipe's {feature.Kind.ToString().ToLowerInvariant()} feature needs {expected}."));
            }
        }

        if (schema.GetColumnOrNull(recipe.Label) is not { } label)
        {
            errors.Add(new(recipe.Label, null, $"The dataset has no column '{recipe.Label}' (the recipe's label)."));
        }
        else
        {
            var ok = recipe.Task switch
            {
                ModelTask.BinaryClassification => label.Type is BooleanDataViewType || label.Type is NumberDataViewType,
                ModelTask.MulticlassClassification => label.Type is TextDataViewType || label.Type is NumberDataViewType,
                _ => label.Type is NumberDataViewType,
            };
            if (!ok)
            {
                errors.Add(new(recipe.Label, null, $"The label column '{recipe.Label}' holds {label.Type}, which {recipe.Task} cannot use."));
            }
        }

        if (errors.Count > 0)
        {
            throw MLOpsException.Validation(errors.Count == 1 ? errors[0].Message : $"The dataset does not match the recipe: {errors.Count} problems.", errors);
        }
    }

    private static IEstimator<ITransformer> Typing(MLContext ml, TrainingRecipe recipe, DataViewSchema schema)
    {
        var convert = recipe.Features.Where(f => f.Kind != FeatureKind.Categorical).Select(f => f.Name)
            .Append(recipe.Label)
            .Where(name => schema[name].Type is NumberDataViewType or BooleanDataViewType && schema[name].Type != NumberDataViewType.Single)
            .Where(name => name != recipe.Label || (schema[name].Type is NumberDataViewType))
            .Select(name => new InputOutputColumnPair(name, name))
            .ToArray();
        return convert.Length == 0
            ? new EstimatorChain<ITransformer>()
            : ml.Transforms.Conversion.ConvertType(convert, DataKind.Single);
    }

    private static IEstimator<ITransformer> Preprocessing(MLContext ml, TrainingRecipe recipe, IReadOnlyList<NumericSlot> numeric, DatasetStatistics statistics)
    {
        IEstimator<ITransformer> chain = new EstimatorChain<ITransformer>();
        var parts = new List<string>();
        if (numeric.Count > 0)
        {
            chain = chain.Append(ml.Transforms.Concatenate(NumericColumn, numeric.Select(n => n.Feature.Name).ToArray()));
            if (numeric.Any(n => n.Fill is not null))
            {
                var fills = numeric.Select(n => n.Fill ?? float.NaN).ToArray();
                chain = chain.Append(ColumnMapping.ImputeVector(ml, NumericColumn, ImputedColumn, fills));
                parts.Add(ImputedColumn);
            }
            else
            {
                parts.Add(NumericColumn);
            }
        }

        var categorical = recipe.Features.Where(f => f.Kind == FeatureKind.Categorical).ToList();
        for (var i = 0; i < categorical.Count; i++)
        {
            var source = categorical[i].Name;
            if (statistics.CategoryFills[source] is { } fill)
            {
                var imputed = $"__mlops_category_{i}";
                chain = chain.Append(ColumnMapping.Scalar<string, string>(ml, source, imputed, v => string.IsNullOrEmpty(v) ? fill : v));
                source = imputed;
            }

            var oneHot = OneHotColumn(i);
            chain = chain.Append(ml.Transforms.Categorical.OneHotEncoding(
                oneHot, source, OneHotEncodingEstimator.OutputKind.Indicator, MaxCategories, ValueToKeyMappingEstimator.KeyOrdinality.ByValue));
            parts.Add(oneHot);
        }

        chain = chain.Append(ml.Transforms.Concatenate(TrainedModel.FeaturesColumn, parts.ToArray()));
        return chain.Append(Label(ml, recipe));
    }

    private static IEstimator<ITransformer> Label(MLContext ml, TrainingRecipe recipe) => recipe.Task switch
    {
        ModelTask.MulticlassClassification => ml.Transforms.Conversion.MapValueToKey(
            TrainedModel.LabelColumn, recipe.Label, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue),
        ModelTask.BinaryClassification => new LabelToBoolean(ml, recipe.Label),
        _ => ml.Transforms.CopyColumns(TrainedModel.LabelColumn, recipe.Label),
    };

    private static string OneHotColumn(int i) => $"__mlops_onehot_{i}";

    private static List<CategoricalBlock> ReadCategories(TrainingRecipe recipe, DataViewSchema schema, DatasetStatistics statistics)
    {
        var blocks = new List<CategoricalBlock>();
        var categorical = recipe.Features.Where(f => f.Kind == FeatureKind.Categorical).ToList();
        for (var i = 0; i < categorical.Count; i++)
        {
            var column = schema[OneHotColumn(i)];
            var names = default(VBuffer<ReadOnlyMemory<char>>);
            column.GetSlotNames(ref names);
            var categories = names.DenseValues().Select(n => n.ToString()).ToList();
            var slots = ((VectorDataViewType)column.Type).Size;
            if (categories.Count != slots)
            {
                throw new InvalidOperationException($"One-hot column of '{categorical[i].Name}' has {slots} slots but {categories.Count} names.");
            }

            blocks.Add(new CategoricalBlock(categorical[i], categories, statistics.CategoryFills[categorical[i].Name]));
        }

        return blocks;
    }

    private static (float[] Scale, float[] Offset) ReadNormalizer(NormalizingTransformer normalizer, int width)
    {
        var parameters = normalizer.GetNormalizerModelParameters(0) as NormalizingTransformer.AffineNormalizerModelParameters<ImmutableArray<float>>
            ?? throw new InvalidOperationException("The min-max normaliser did not produce affine parameters.");
        var scale = parameters.Scale.ToArray();
        var offset = parameters.Offset.IsDefaultOrEmpty ? new float[width] : parameters.Offset.ToArray();
        if (scale.Length != width || offset.Length != width)
        {
            throw new InvalidOperationException($"The normaliser has {scale.Length} scales for {width} feature slots.");
        }

        return (scale, offset);
    }

    private static (IReadOnlyList<string> Labels, bool Integers) ReadClassLabels(ModelTask task, DataViewSchema schema)
    {
        switch (task)
        {
            case ModelTask.BinaryClassification:
                return (["0", "1"], true);
            case ModelTask.MulticlassClassification:
            {
                var column = schema[TrainedModel.LabelColumn];
                var itemType = ((VectorDataViewType)column.Annotations.Schema["KeyValues"].Type).ItemType;
                if (itemType is TextDataViewType)
                {
                    var values = default(VBuffer<ReadOnlyMemory<char>>);
                    column.GetKeyValues(ref values);
                    return (values.DenseValues().Select(v => v.ToString()).ToList(), false);
                }

                var numbers = default(VBuffer<float>);
                column.GetKeyValues(ref numbers);
                return (numbers.DenseValues().Select(v => ((long)v).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), true);
            }

            default:
                return ([], false);
        }
    }

    private void OnProgress(string trainer, TrainingProgress progress, bool log)
    {
        if (log)
        {
            LogProgress(_logger, trainer, progress.Phase, progress.Percent, progress.Detail ?? string.Empty);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {Trainer} on {Features} features started")]
    private static partial void LogStarted(ILogger logger, string trainer, int features);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {Trainer}: {Phase} {Percent:F0}% {Detail}")]
    private static partial void LogProgress(ILogger logger, string trainer, string phase, double percent, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {Trainer} finished: {Rows} rows, {Slots} feature slots, {Seconds:F1} s")]
    private static partial void LogFinished(ILogger logger, string trainer, long rows, int slots, double seconds);

    /// <summary>Keeps the percentage monotonic and logs it at every 10 % step.</summary>
    private sealed class ProgressReporter(ModelTrainer owner, string trainer, IProgress<TrainingProgress>? progress)
    {
        private readonly Lock _gate = new();
        private double _percent = -1;
        private int _loggedDecile = -1;

        public void Report(string phase, double percent, string? detail = null)
        {
            TrainingProgress update;
            bool log;
            lock (_gate)
            {
                if (percent < _percent)
                {
                    return;
                }

                _percent = percent;
                var decile = (int)(percent / 10);
                log = decile > _loggedDecile || phase == "done";
                _loggedDecile = Math.Max(decile, _loggedDecile);
                update = new TrainingProgress(phase, Math.Round(percent, 1), detail);
            }

            owner.OnProgress(trainer, update, log);
            progress?.Report(update);
        }

        public void Iteration(int done, int? total)
        {
            if (total is not { } t || t <= 0)
            {
                return;
            }

            var share = Math.Clamp((double)done / t, 0, 1);
            Report("training", 15 + (80 * share), $"iteration {done} of {t}");
        }
    }
}
