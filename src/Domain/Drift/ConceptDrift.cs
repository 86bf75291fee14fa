using System.Text.Json.Serialization;
using MLOps.Domain.Evaluation;
using MLOps.Domain.Registry;

namespace MLOps.Domain.Drift;

/// <summary>A model-quality metric computed from ground-truth labels.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PerformanceMetric>))]
public enum PerformanceMetric
{
    [JsonStringEnumMemberName("accuracy")]
    Accuracy,

    [JsonStringEnumMemberName("mae")]
    Mae,

    [JsonStringEnumMemberName("rmse")]
    Rmse,

    [JsonStringEnumMemberName("r2")]
    R2,

    /// <summary>ROC AUC from the logged probabilities: of the positive class (binary), or the macro average of one-vs-rest AUCs (multiclass).</summary>
    [JsonStringEnumMemberName("auc")]
    Auc,

    /// <summary>F1 of the positive class (binary), or the macro average over classes (multiclass).</summary>
    [JsonStringEnumMemberName("f1")]
    F1,
}

/// <summary>One prediction whose true outcome is known: what the model said and what happened.</summary>
/// <param name="PredictedLabel">The predicted class (classification), as text.</param>
/// <param name="PredictedValue">The predicted value (regression).</param>
/// <param name="ActualLabel">The true class (classification), as text.</param>
/// <param name="ActualValue">The true value (regression).</param>
/// <param name="Probabilities">The class probabilities the model gave (classification), by class name; null when not logged.</param>
public sealed record LabelledPrediction(
    string? PredictedLabel,
    double? PredictedValue,
    string? ActualLabel,
    double? ActualValue,
    IReadOnlyDictionary<string, double>? Probabilities = null);

/// <summary>Whether accuracy itself is decaying: the metric on the newest labels against the evaluation-time baseline.</summary>
public sealed record ConceptDriftResult
{
    public required ConceptDriftStatus Status { get; init; }

    /// <summary>The metric that decides decay.</summary>
    public required PerformanceMetric Metric { get; init; }

    /// <summary>Labelled predictions in the rolling window that the deciding metric could use.</summary>
    public int Labels { get; init; }

    public double? Current { get; init; }

    public double? Baseline { get; init; }

    /// <summary>How much worse than the baseline, in the metric's units (positive is worse, whichever way the metric points).</summary>
    public double? Drop { get; init; }

    public double MaxDrop { get; init; }

    public bool Decay { get; init; }

    public string? Note { get; init; }

    /// <summary>Binary classification: the class AUC and F1 were computed for (see <see cref="Profiles.PositiveClass"/>).</summary>
    public string? PositiveClass { get; init; }

    /// <summary>Every metric of the model's task on the same labels, each against its own baseline, for the report; only <see cref="Metric"/> decides.</summary>
    public IReadOnlyList<ConceptMetricValue> Metrics { get; init; } = [];
}

/// <summary>One metric on the rolling window of labels, with its evaluation-time value when known.</summary>
/// <param name="Labels">Labelled predictions the metric could use (AUC needs logged probabilities).</param>
/// <param name="Current">Null when the metric is undefined on these labels (AUC with one class present).</param>
/// <param name="Drop">How much worse than the baseline (positive is worse).</param>
public sealed record ConceptMetricValue(PerformanceMetric Metric, int Labels, double? Current, double? Baseline, double? Drop);

public enum ConceptDriftStatus
{
    Checked,
    InsufficientLabels,
    NoBaseline,

    /// <summary>The metric cannot be computed on these labels (AUC when the truth holds one class only).</summary>
    Undefined,

    /// <summary>The configured metric does not fit the model's task (AUC of a regressor, MAE of a classifier).</summary>
    NotApplicable,
}

/// <summary>Computes the metric over labelled predictions and applies the decay rule.</summary>
public static class ConceptDriftEvaluator
{
    /// <summary>The metric used when the settings name none: accuracy for classifiers, MAE for regressors.</summary>
    public static PerformanceMetric DefaultMetric(ModelTask task) => task == ModelTask.Regression ? PerformanceMetric.Mae : PerformanceMetric.Accuracy;

    /// <summary>The metrics that describe a model of this task (every metric when the task is not known).</summary>
    public static IReadOnlyList<PerformanceMetric> MetricsFor(ModelTask task) => task switch
    {
        ModelTask.Regression => [PerformanceMetric.Mae, PerformanceMetric.Rmse, PerformanceMetric.R2],
        ModelTask.BinaryClassification or ModelTask.MulticlassClassification => [PerformanceMetric.Accuracy, PerformanceMetric.F1, PerformanceMetric.Auc],
        _ => [PerformanceMetric.Accuracy, PerformanceMetric.F1, PerformanceMetric.Auc, PerformanceMetric.Mae, PerformanceMetric.Rmse, PerformanceMetric.R2],
    };

    /// <summary>The key under which evaluation documents and version metadata carry the metric (the training pipeline's metric names).</summary>
    public static string Key(PerformanceMetric metric) => metric switch
    {
        PerformanceMetric.Accuracy => MetricNames.Accuracy,
        PerformanceMetric.Mae => MetricNames.Mae,
        PerformanceMetric.Rmse => MetricNames.Rmse,
        PerformanceMetric.R2 => MetricNames.R2,
        PerformanceMetric.Auc => MetricNames.Auc,
        PerformanceMetric.F1 => MetricNames.F1,
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    public static bool HigherIsBetter(PerformanceMetric metric) => metric is PerformanceMetric.Accuracy or PerformanceMetric.R2 or PerformanceMetric.Auc or PerformanceMetric.F1;

    /// <summary>
    /// The decay verdict on <paramref name="metric"/>, plus every metric of the task against its own baseline for the report.
    /// </summary>
    /// <param name="task">The model's task; a metric of the other kind is <see cref="ConceptDriftStatus.NotApplicable"/>.</param>
    /// <param name="baselines">Evaluation-time values by metric; a missing one leaves that metric without a verdict.</param>
    /// <param name="positiveClass">Binary classification: the positive class (AUC and F1 are of it); null for multiclass (macro averages).</param>
    public static ConceptDriftResult Evaluate(
        ModelTask task,
        PerformanceMetric metric,
        IReadOnlyList<LabelledPrediction> labels,
        IReadOnlyDictionary<PerformanceMetric, double> baselines,
        ConceptDriftSettings settings,
        string? positiveClass)
    {
        var all = MetricsFor(task);
        var values = new List<ConceptMetricValue>(all.Count);
        foreach (var m in all)
        {
            var usable = labels.Where(l => Usable(m, l, positiveClass)).ToList();
            double? current = usable.Count == 0 ? null : Finite(Compute(m, usable, positiveClass));
            double? baseline = baselines.TryGetValue(m, out var b) && double.IsFinite(b) ? b : null;
            values.Add(new ConceptMetricValue(m, usable.Count, current, baseline, current is { } c && baseline is { } bb ? DropOf(m, c, bb) : null));
        }

        if (!all.Contains(metric))
        {
            return new ConceptDriftResult
            {
                Status = ConceptDriftStatus.NotApplicable,
                Metric = metric,
                MaxDrop = settings.MaxDrop,
                PositiveClass = positiveClass,
                Metrics = values,
                Note = $"'{Key(metric)}' does not describe a {task} model; choose one of {string.Join(", ", all.Select(Key))} in the drift settings (concept.metric).",
            };
        }

        var result = Evaluate(metric, labels, baselines.TryGetValue(metric, out var own) ? own : null, settings, positiveClass);
        return result with { Metrics = values };
    }

    /// <summary>The decay verdict on one metric.</summary>
    public static ConceptDriftResult Evaluate(
        PerformanceMetric metric, IReadOnlyList<LabelledPrediction> labels, double? baseline, ConceptDriftSettings settings, string? positiveClass = null)
    {
        var usable = labels.Where(l => Usable(metric, l, positiveClass)).ToList();
        var result = new ConceptDriftResult
        {
            Status = ConceptDriftStatus.Checked,
            Metric = metric,
            Labels = usable.Count,
            Baseline = baseline is { } given && double.IsFinite(given) ? given : null,
            MaxDrop = settings.MaxDrop,
            PositiveClass = positiveClass,
        };
        if (usable.Count < settings.MinLabels)
        {
            var why = metric == PerformanceMetric.Auc && usable.Count < labels.Count
                ? $" ({labels.Count - usable.Count} labelled predictions have no logged probabilities{(positiveClass is null ? string.Empty : $" for class '{positiveClass}'")})"
                : string.Empty;
            return result with
            {
                Status = ConceptDriftStatus.InsufficientLabels,
                Note = $"{usable.Count} labelled predictions in the window can be used for {Key(metric)}; at least {settings.MinLabels} are needed{why}.",
            };
        }

        var current = Compute(metric, usable, positiveClass);
        if (!double.IsFinite(current))
        {
            return result with
            {
                Status = ConceptDriftStatus.Undefined,
                Note = metric == PerformanceMetric.Auc
                    ? "AUC is undefined on these labels: the truth holds only one class."
                    : $"{Key(metric)} is undefined on these labels.",
            };
        }

        if (result.Baseline is not { } b)
        {
            return result with
            {
                Status = ConceptDriftStatus.NoBaseline,
                Current = current,
                Note = $"The version has no evaluation-time '{Key(metric)}' to compare with (evaluation document or registered metrics).",
            };
        }

        var drop = DropOf(metric, current, b);
        return result with { Current = current, Drop = drop, Decay = drop > settings.MaxDrop };
    }

    /// <summary>The metric over the labelled predictions (all of which must be usable for it); NaN when undefined.</summary>
    /// <param name="positiveClass">Binary classification: the positive class for F1 and AUC; null means multiclass (macro averages).</param>
    public static double Compute(PerformanceMetric metric, IReadOnlyList<LabelledPrediction> labels, string? positiveClass = null)
    {
        if (labels.Count == 0)
        {
            return double.NaN;
        }

        switch (metric)
        {
            case PerformanceMetric.Accuracy:
                return (double)labels.Count(l => string.Equals(l.PredictedLabel, l.ActualLabel, StringComparison.Ordinal)) / labels.Count;
            case PerformanceMetric.F1:
                return positiveClass is null ? MacroF1(labels) : F1Of(labels, positiveClass);
            case PerformanceMetric.Auc:
                return positiveClass is null ? MacroAuc(labels) : AucOf(labels, positiveClass);
            case PerformanceMetric.Mae:
                return labels.Average(l => Math.Abs(l.PredictedValue!.Value - l.ActualValue!.Value));
            case PerformanceMetric.Rmse:
                return Math.Sqrt(labels.Average(l => Math.Pow(l.PredictedValue!.Value - l.ActualValue!.Value, 2)));
            default:
                var mean = labels.Average(l => l.ActualValue!.Value);
                var total = labels.Sum(l => Math.Pow(l.ActualValue!.Value - mean, 2));
                var residual = labels.Sum(l => Math.Pow(l.ActualValue!.Value - l.PredictedValue!.Value, 2));
                return total == 0 ? (residual == 0 ? 1 : double.NegativeInfinity) : 1 - (residual / total);
        }
    }

    private static double DropOf(PerformanceMetric metric, double current, double baseline) => HigherIsBetter(metric) ? baseline - current : current - baseline;

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>F1 of one class: 2·TP / (2·TP + FP + FN); 0 when the class was neither predicted nor true (scikit-learn's zero_division=0).</summary>
    private static double F1Of(IReadOnlyList<LabelledPrediction> labels, string positive)
    {
        long tp = 0, fp = 0, fn = 0;
        foreach (var l in labels)
        {
            var predicted = string.Equals(l.PredictedLabel, positive, StringComparison.Ordinal);
            var actual = string.Equals(l.ActualLabel, positive, StringComparison.Ordinal);
            tp += predicted && actual ? 1 : 0;
            fp += predicted && !actual ? 1 : 0;
            fn += !predicted && actual ? 1 : 0;
        }

        var denominator = (2 * tp) + fp + fn;
        return denominator == 0 ? 0 : 2.0 * tp / denominator;
    }

    /// <summary>Unweighted mean of per-class F1 over every class that is true or predicted at least once (scikit-learn's average='macro').</summary>
    private static double MacroF1(IReadOnlyList<LabelledPrediction> labels)
    {
        var classes = labels.Select(l => l.ActualLabel!).Concat(labels.Select(l => l.PredictedLabel!)).Distinct(StringComparer.Ordinal).ToList();
        return classes.Average(c => F1Of(labels, c));
    }

    private static double AucOf(IReadOnlyList<LabelledPrediction> labels, string positive)
    {
        var scores = new double[labels.Count];
        var truth = new bool[labels.Count];
        for (var i = 0; i < labels.Count; i++)
        {
            scores[i] = labels[i].Probabilities![positive];
            truth[i] = string.Equals(labels[i].ActualLabel, positive, StringComparison.Ordinal);
        }

        return RankingMetrics.RocAuc(scores, truth) ?? double.NaN;
    }

    /// <summary>Mean one-vs-rest AUC over the true classes whose AUC is defined (the class and some other class both occur).</summary>
    private static double MacroAuc(IReadOnlyList<LabelledPrediction> labels)
    {
        var aucs = new List<double>();
        foreach (var c in labels.Select(l => l.ActualLabel!).Distinct(StringComparer.Ordinal))
        {
            var rows = labels.Where(l => l.Probabilities!.TryGetValue(c, out var p) && double.IsFinite(p)).ToList();
            if (rows.Count > 0 && RankingMetrics.RocAuc(
                rows.Select(l => l.Probabilities![c]).ToArray(),
                rows.Select(l => string.Equals(l.ActualLabel, c, StringComparison.Ordinal)).ToArray()) is { } auc)
            {
                aucs.Add(auc);
            }
        }

        return aucs.Count == 0 ? double.NaN : aucs.Average();
    }

    private static bool Usable(PerformanceMetric metric, LabelledPrediction l, string? positiveClass) => metric switch
    {
        PerformanceMetric.Accuracy or PerformanceMetric.F1 => l.PredictedLabel is not null && l.ActualLabel is not null,
        PerformanceMetric.Auc => l.ActualLabel is not null && l.Probabilities is { Count: > 0 } p
            && (positiveClass is null || (p.TryGetValue(positiveClass, out var s) && double.IsFinite(s))),
        _ => l.PredictedValue is { } v && double.IsFinite(v) && l.ActualValue is { } a && double.IsFinite(a),
    };
}
