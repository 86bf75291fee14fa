using System.Text.Json.Serialization;
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
}

/// <summary>One prediction whose true outcome is known: what the model said and what happened.</summary>
/// <param name="PredictedLabel">The predicted class (classification), as text.</param>
/// <param name="PredictedValue">The predicted value (regression).</param>
/// <param name="ActualLabel">The true class (classification), as text.</param>
/// <param name="ActualValue">The true value (regression).</param>
public sealed record LabelledPrediction(string? PredictedLabel, double? PredictedValue, string? ActualLabel, double? ActualValue);

/// <summary>Whether accuracy itself is decaying: the metric on the newest labels against the evaluation-time baseline.</summary>
public sealed record ConceptDriftResult
{
    public required ConceptDriftStatus Status { get; init; }

    public required PerformanceMetric Metric { get; init; }

    /// <summary>Labelled predictions in the rolling window.</summary>
    public int Labels { get; init; }

    public double? Current { get; init; }

    public double? Baseline { get; init; }

    /// <summary>How much worse than the baseline, in the metric's units (positive is worse, whichever way the metric points).</summary>
    public double? Drop { get; init; }

    public double MaxDrop { get; init; }

    public bool Decay { get; init; }

    public string? Note { get; init; }
}

public enum ConceptDriftStatus
{
    Checked,
    InsufficientLabels,
    NoBaseline,
}

/// <summary>Computes the metric over labelled predictions and applies the decay rule.</summary>
public static class ConceptDriftEvaluator
{
    /// <summary>The metric used when the settings name none: accuracy for classifiers, MAE for regressors.</summary>
    public static PerformanceMetric DefaultMetric(ModelTask task) => task == ModelTask.Regression ? PerformanceMetric.Mae : PerformanceMetric.Accuracy;

    /// <summary>The key under which evaluation documents and version metadata carry the metric.</summary>
    public static string Key(PerformanceMetric metric) => metric switch
    {
        PerformanceMetric.Accuracy => "accuracy",
        PerformanceMetric.Mae => "mae",
        PerformanceMetric.Rmse => "rmse",
        _ => "r2",
    };

    public static bool HigherIsBetter(PerformanceMetric metric) => metric is PerformanceMetric.Accuracy or PerformanceMetric.R2;

    public static ConceptDriftResult Evaluate(PerformanceMetric metric, IReadOnlyList<LabelledPrediction> labels, double? baseline, ConceptDriftSettings settings)
    {
        var usable = labels.Where(l => Usable(metric, l)).ToList();
        if (usable.Count < settings.MinLabels)
        {
            return new ConceptDriftResult
            {
                Status = ConceptDriftStatus.InsufficientLabels,
                Metric = metric,
                Labels = usable.Count,
                Baseline = baseline,
                MaxDrop = settings.MaxDrop,
                Note = $"{usable.Count} labelled predictions in the window; at least {settings.MinLabels} are needed.",
            };
        }

        var current = Compute(metric, usable);
        if (baseline is not { } b || !double.IsFinite(b))
        {
            return new ConceptDriftResult
            {
                Status = ConceptDriftStatus.NoBaseline,
                Metric = metric,
                Labels = usable.Count,
                Current = current,
                MaxDrop = settings.MaxDrop,
                Note = $"The version has no evaluation-time '{Key(metric)}' to compare with (evaluation document or registered metrics).",
            };
        }

        var drop = HigherIsBetter(metric) ? b - current : current - b;
        return new ConceptDriftResult
        {
            Status = ConceptDriftStatus.Checked,
            Metric = metric,
            Labels = usable.Count,
            Current = current,
            Baseline = b,
            Drop = drop,
            MaxDrop = settings.MaxDrop,
            Decay = drop > settings.MaxDrop,
        };
    }

    /// <summary>The metric over the labelled predictions (all of which must be usable for it).</summary>
    public static double Compute(PerformanceMetric metric, IReadOnlyList<LabelledPrediction> labels)
    {
        if (labels.Count == 0)
        {
            return double.NaN;
        }

        switch (metric)
        {
            case PerformanceMetric.Accuracy:
                return (double)labels.Count(l => string.Equals(l.PredictedLabel, l.ActualLabel, StringComparison.Ordinal)) / labels.Count;
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

    private static bool Usable(PerformanceMetric metric, LabelledPrediction l) => metric == PerformanceMetric.Accuracy
        ? l.PredictedLabel is not null && l.ActualLabel is not null
        : l.PredictedValue is { } p && double.IsFinite(p) && l.ActualValue is { } a && double.IsFinite(a);
}
