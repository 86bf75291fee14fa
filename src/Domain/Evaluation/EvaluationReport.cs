using MLOps.Domain.Registry;

namespace MLOps.Domain.Evaluation;

/// <summary>A model's metrics on one holdout set, stored with the version it describes and fed to the quality gates.</summary>
/// <remarks>
/// <see cref="Metrics"/> flattens the headline numbers under the names gates use (<see cref="MetricNames"/>); a metric
/// that is undefined on this holdout (AUC with one class present, R² of a constant truth) is simply absent there, and a
/// gate on it fails. Measurements that are not about the holdout (single-row latency, model size) are added to the
/// same map by <see cref="WithMeasurement"/> so that every gate reads from one place.
/// </remarks>
public sealed record EvaluationReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required ModelTask Task { get; init; }

    /// <summary>Holdout rows scored.</summary>
    public required long Rows { get; init; }

    public ClassificationMetrics? Classification { get; init; }

    public RegressionMetrics? Regression { get; init; }

    /// <summary>Metric name to value; see <see cref="MetricNames"/>.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    public static EvaluationReport ForClassification(ModelTask task, ClassificationMetrics metrics)
    {
        if (task is not (ModelTask.BinaryClassification or ModelTask.MulticlassClassification))
        {
            throw new ArgumentException($"Classification metrics do not fit a {task} model.", nameof(task));
        }

        var flat = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [MetricNames.Accuracy] = metrics.Accuracy,
            [MetricNames.Precision] = metrics.Precision,
            [MetricNames.Recall] = metrics.Recall,
            [MetricNames.F1] = metrics.F1,
            [MetricNames.LogLoss] = metrics.LogLoss,
            [MetricNames.Brier] = metrics.Brier,
            [MetricNames.Ece] = metrics.Calibration.ExpectedCalibrationError,
            [MetricNames.MacroF1] = metrics.Macro.F1,
            [MetricNames.WeightedF1] = metrics.Weighted.F1,
        };
        Put(flat, MetricNames.Auc, metrics.Auc);
        Put(flat, MetricNames.PrAuc, metrics.PrAuc);
        Put(flat, MetricNames.WeightedAuc, metrics.Weighted.Auc);
        return new EvaluationReport { Task = task, Rows = metrics.Rows, Classification = metrics, Metrics = flat };
    }

    public static EvaluationReport ForRegression(RegressionMetrics metrics)
    {
        var flat = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [MetricNames.Rmse] = metrics.Rmse,
            [MetricNames.Mae] = metrics.Mae,
        };
        Put(flat, MetricNames.R2, metrics.R2);
        return new EvaluationReport { Task = ModelTask.Regression, Rows = metrics.Rows, Regression = metrics, Metrics = flat };
    }

    /// <summary>The same report with one more named measurement (latency, size) in <see cref="Metrics"/>.</summary>
    public EvaluationReport WithMeasurement(string name, double value)
    {
        if (!double.IsFinite(value))
        {
            return this;
        }

        var flat = new Dictionary<string, double>(Metrics, StringComparer.Ordinal) { [name] = value };
        return this with { Metrics = flat };
    }

    private static void Put(Dictionary<string, double> metrics, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            metrics[name] = v;
        }
    }
}

/// <summary>The names metrics have in <see cref="EvaluationReport.Metrics"/>, in gates and in model cards.</summary>
public static class MetricNames
{
    public const string Auc = "auc";
    public const string PrAuc = "prAuc";
    public const string Accuracy = "accuracy";
    public const string Precision = "precision";
    public const string Recall = "recall";
    public const string F1 = "f1";
    public const string MacroF1 = "macroF1";
    public const string WeightedF1 = "weightedF1";
    public const string WeightedAuc = "weightedAuc";
    public const string LogLoss = "logLoss";
    public const string Brier = "brier";
    public const string Ece = "ece";
    public const string Rmse = "rmse";
    public const string Mae = "mae";
    public const string R2 = "r2";

    /// <summary>95th percentile of single-row scoring time through ONNX Runtime, in milliseconds.</summary>
    public const string LatencyP95Ms = "latencyP95Ms";

    /// <summary>Size of the ONNX artifact in bytes.</summary>
    public const string ModelSizeBytes = "modelSizeBytes";

    public static IReadOnlyList<string> All { get; } =
        [Auc, PrAuc, Accuracy, Precision, Recall, F1, MacroF1, WeightedF1, WeightedAuc, LogLoss, Brier, Ece, Rmse, Mae, R2, LatencyP95Ms, ModelSizeBytes];

    /// <summary>Whether a larger value is better, for the metrics a gate can name.</summary>
    public static bool HigherIsBetter(string name) => name is Auc or PrAuc or Accuracy or Precision or Recall or F1 or MacroF1 or WeightedF1 or WeightedAuc or R2;
}
