using MLOps.Domain.Evaluation;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;

namespace MLOps.Domain.Gates;

/// <summary>Default gates per task, checks of user-supplied gates, and the evaluation of gates against metrics.</summary>
/// <remarks>
/// Gates fail closed: a metric that is missing from the candidate's report (undefined on the holdout, or never
/// measured) fails its gate, and so does a champion gate whose champion metric is missing although a champion exists.
/// The only gate that does not fail without a value is a champion gate when the model has no champion at all: its
/// verdict is <see cref="GateVerdict.NotApplicable"/>, so a model's first training can pass.
/// </remarks>
public static class QualityGates
{
    public const int MaxGates = 32;

    public const double DefaultMinAuc = 0.70;
    public const double DefaultMinAccuracy = 0.50;
    public const double DefaultMinR2 = 0.30;
    public const double DefaultMaxDrop = 0.02;
    public const double DefaultMaxLatencyP95Ms = 10;
    public const double DefaultMaxModelBytes = 50 * 1024 * 1024;

    /// <summary>The headline metric of a task: AUC (binary), accuracy (multiclass), R² (regression).</summary>
    public static string PrimaryMetric(ModelTask task) => task switch
    {
        ModelTask.BinaryClassification => MetricNames.Auc,
        ModelTask.MulticlassClassification => MetricNames.Accuracy,
        ModelTask.Regression => MetricNames.R2,
        _ => throw new ArgumentOutOfRangeException(nameof(task), $"No primary metric for {task}."),
    };

    /// <summary>Minimum primary metric, maximum drop of it against the champion, maximum p95 single-row latency, maximum size.</summary>
    public static IReadOnlyList<QualityGate> Defaults(ModelTask task)
    {
        var primary = PrimaryMetric(task);
        var minimum = task switch
        {
            ModelTask.BinaryClassification => DefaultMinAuc,
            ModelTask.MulticlassClassification => DefaultMinAccuracy,
            _ => DefaultMinR2,
        };
        return
        [
            new(primary, minimum, GateDirection.HigherIsBetter),
            new(primary, DefaultMaxDrop, GateDirection.HigherIsBetter, GateKind.MaxDropVsChampion),
            new(MetricNames.LatencyP95Ms, DefaultMaxLatencyP95Ms, GateDirection.LowerIsBetter),
            new(MetricNames.ModelSizeBytes, DefaultMaxModelBytes, GateDirection.LowerIsBetter),
        ];
    }

    /// <summary>The metrics a model of this task reports, so a gate on another one is caught before training (every metric for an unspecified task).</summary>
    public static IReadOnlyList<string> MetricsFor(ModelTask task) => task switch
    {
        ModelTask.Regression => [MetricNames.Rmse, MetricNames.Mae, MetricNames.R2, MetricNames.LatencyP95Ms, MetricNames.ModelSizeBytes],
        ModelTask.BinaryClassification or ModelTask.MulticlassClassification =>
            [MetricNames.Auc, MetricNames.PrAuc, MetricNames.Accuracy, MetricNames.Precision, MetricNames.Recall, MetricNames.F1,
             MetricNames.MacroF1, MetricNames.WeightedF1, MetricNames.WeightedAuc, MetricNames.LogLoss, MetricNames.Brier, MetricNames.Ece,
             MetricNames.LatencyP95Ms, MetricNames.ModelSizeBytes],
        _ => MetricNames.All,
    };

    /// <summary>Every problem with a list of gates for a model of <paramref name="task"/>; empty when they are usable.</summary>
    public static IReadOnlyList<ProblemError> Check(IReadOnlyList<QualityGate?>? gates, ModelTask task, string field = "gates")
    {
        var errors = new List<ProblemError>();
        if (gates is null)
        {
            return errors;
        }

        if (gates.Count > MaxGates)
        {
            errors.Add(new(field, null, $"At most {MaxGates} gates; got {gates.Count}."));
            return errors;
        }

        var known = MetricsFor(task);
        for (var i = 0; i < gates.Count; i++)
        {
            var at = $"{field}[{i}]";
            if (gates[i] is not { } gate)
            {
                errors.Add(new(at, null, "A gate must be an object with metric, threshold and direction."));
                continue;
            }

            if (string.IsNullOrEmpty(gate.Metric) || !known.Contains(gate.Metric, StringComparer.Ordinal))
            {
                errors.Add(new(at + ".metric", null, $"'{ProblemText.Clip(gate.Metric)}' is not a metric of a {task} model; use one of {string.Join(", ", known)}."));
                continue;
            }

            if (!double.IsFinite(gate.Threshold))
            {
                errors.Add(new(at + ".threshold", null, "The threshold must be a finite number."));
            }
            else if (gate.Kind == GateKind.MaxDropVsChampion && gate.Threshold < 0)
            {
                errors.Add(new(at + ".threshold", null, "A maximum drop against the champion cannot be negative."));
            }

            if (!Enum.IsDefined(gate.Direction) || !Enum.IsDefined(gate.Kind))
            {
                errors.Add(new(at, null, "Unknown direction or kind."));
            }
            else if ((gate.Direction == GateDirection.HigherIsBetter) != MetricNames.HigherIsBetter(gate.Metric))
            {
                var right = MetricNames.HigherIsBetter(gate.Metric) ? "higherIsBetter" : "lowerIsBetter";
                errors.Add(new(at + ".direction", null, $"For '{gate.Metric}' the direction is {right}."));
            }

            if (gate.Kind == GateKind.MaxDropVsChampion && gate.Metric is MetricNames.LatencyP95Ms or MetricNames.ModelSizeBytes)
            {
                errors.Add(new(at + ".kind", null, $"'{gate.Metric}' is measured on the candidate only; use an absolute gate."));
            }
        }

        return errors;
    }

    /// <summary>Evaluates every gate; the report lists them all, in order, whatever their verdict.</summary>
    /// <param name="champion">The champion's report on the same holdout; null when the model has no champion.</param>
    /// <param name="championVersion">The champion's version number; non-null means a champion exists even if it could not be evaluated.</param>
    public static GateReport Evaluate(IReadOnlyList<QualityGate> gates, EvaluationReport candidate, EvaluationReport? champion, int? championVersion)
    {
        var results = new List<GateResult>(gates.Count);
        foreach (var gate in gates)
        {
            results.Add(gate.Kind == GateKind.Absolute
                ? Absolute(gate, candidate)
                : AgainstChampion(gate, candidate, champion, championVersion));
        }

        return new GateReport(results.TrueForAll(r => r.Verdict != GateVerdict.Failed), results, championVersion);
    }

    private static GateResult Absolute(QualityGate gate, EvaluationReport candidate)
    {
        if (!candidate.Metrics.TryGetValue(gate.Metric, out var value))
        {
            return new(gate, null, null, null, GateVerdict.Failed, $"The candidate has no value for '{gate.Metric}' (undefined on this holdout or not measured); gates fail closed.");
        }

        var passed = gate.Direction == GateDirection.HigherIsBetter ? value >= gate.Threshold : value <= gate.Threshold;
        return new(gate, value, value, null, passed ? GateVerdict.Passed : GateVerdict.Failed,
            $"{gate.Metric} is {value:G6}; the gate requires {(gate.Direction == GateDirection.HigherIsBetter ? "at least" : "at most")} {gate.Threshold:G6}.");
    }

    private static GateResult AgainstChampion(QualityGate gate, EvaluationReport candidate, EvaluationReport? champion, int? championVersion)
    {
        var hasCandidate = candidate.Metrics.TryGetValue(gate.Metric, out var mine);
        if (championVersion is null)
        {
            return new(gate, null, hasCandidate ? mine : null, null, GateVerdict.NotApplicable, "The model has no champion yet, so there is nothing to compare with.");
        }

        double theirs = 0;
        if (champion is null || !champion.Metrics.TryGetValue(gate.Metric, out theirs))
        {
            return new(gate, null, hasCandidate ? mine : null, null, GateVerdict.Failed,
                $"Champion version {championVersion} has no value for '{gate.Metric}' on this holdout (it could not be scored on it, or the metric is undefined); gates fail closed.");
        }

        if (!hasCandidate)
        {
            return new(gate, null, null, theirs, GateVerdict.Failed, $"The candidate has no value for '{gate.Metric}'; gates fail closed.");
        }

        var drop = gate.Direction == GateDirection.HigherIsBetter ? theirs - mine : mine - theirs;
        var passed = drop <= gate.Threshold;
        return new(gate, drop, mine, theirs, passed ? GateVerdict.Passed : GateVerdict.Failed,
            $"{gate.Metric} is {mine:G6} against the champion's {theirs:G6} (version {championVersion}): {(drop > 0 ? $"worse by {drop:G6}" : "no worse")}; at most {gate.Threshold:G6} worse is allowed.");
    }
}
