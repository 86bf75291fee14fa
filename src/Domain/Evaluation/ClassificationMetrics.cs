namespace MLOps.Domain.Evaluation;

/// <summary>How well a classifier's probabilities and labels match the truth on a holdout set.</summary>
/// <remarks>
/// The predicted label of a row is the class with the highest probability (the first one on a tie); for a binary
/// model that is "positive when p ≥ 0.5". Threshold metrics (accuracy, precision, recall, F1, confusion matrix) use
/// that label; AUC, average precision, log-loss, Brier score and calibration use the probabilities. Precision of a
/// class that was never predicted is 0 (scikit-learn's zero_division=0), and so is its F1.
/// </remarks>
public sealed record ClassificationMetrics
{
    public const double LogLossEpsilon = 1e-15;

    public required long Rows { get; init; }

    public required IReadOnlyList<string> Classes { get; init; }

    public required double Accuracy { get; init; }

    /// <summary>Binary: ROC AUC of the positive class. Multiclass: macro average of one-vs-rest AUCs. Null when undefined.</summary>
    public double? Auc { get; init; }

    /// <summary>Binary: average precision of the positive class. Multiclass: macro average of one-vs-rest APs.</summary>
    public double? PrAuc { get; init; }

    /// <summary>Binary: of the positive class. Multiclass: macro average.</summary>
    public required double Precision { get; init; }

    public required double Recall { get; init; }

    public required double F1 { get; init; }

    /// <summary>Mean of −ln p(true class), with p clipped to [1e-15, 1 − 1e-15] so one confident mistake stays finite.</summary>
    public required double LogLoss { get; init; }

    /// <summary>Binary: mean (p − y)². Multiclass: mean over rows of Σ_c (p_c − y_c)² (Brier's original form, 0 to 2).</summary>
    public required double Brier { get; init; }

    /// <summary>Rows are the true class, columns the predicted class, both in <see cref="Classes"/> order.</summary>
    public required IReadOnlyList<IReadOnlyList<long>> ConfusionMatrix { get; init; }

    public required IReadOnlyList<ClassMetrics> PerClass { get; init; }

    /// <summary>Unweighted means over classes of precision, recall, F1 and one-vs-rest AUC.</summary>
    public required AveragedMetrics Macro { get; init; }

    /// <summary>Means over classes weighted by each class's support (its count in the truth).</summary>
    public required AveragedMetrics Weighted { get; init; }

    public required CalibrationTable Calibration { get; init; }

    /// <summary>Computes every metric from the truth and the probability rows.</summary>
    /// <param name="classes">Class names; index i is column i of the probabilities. Binary: index 1 is the positive class.</param>
    /// <param name="actual">True class index per row.</param>
    /// <param name="probabilities">Row-major [rows, classes] probabilities.</param>
    /// <param name="calibrationBins">Bins of the reliability table.</param>
    public static ClassificationMetrics Compute(IReadOnlyList<string> classes, ReadOnlySpan<int> actual, ReadOnlySpan<double> probabilities, int calibrationBins = 10)
    {
        var c = classes.Count;
        var n = actual.Length;
        if (c < 2)
        {
            throw new ArgumentException("A classifier has at least two classes.", nameof(classes));
        }

        if (n == 0)
        {
            throw new ArgumentException("No rows to evaluate.", nameof(actual));
        }

        if (probabilities.Length != (long)n * c)
        {
            throw new ArgumentException($"Expected {n} x {c} probabilities, got {probabilities.Length}.", nameof(probabilities));
        }

        var confusion = new long[c, c];
        double logLoss = 0, brier = 0;
        var confidence = new double[n];
        var correct = new bool[n];
        for (var r = 0; r < n; r++)
        {
            var truth = actual[r];
            if ((uint)truth >= (uint)c)
            {
                throw new ArgumentException($"Row {r} has class index {truth}; there are {c} classes.", nameof(actual));
            }

            var row = probabilities.Slice(r * c, c);
            var best = 0;
            for (var k = 0; k < c; k++)
            {
                if (double.IsNaN(row[k]))
                {
                    throw new ArgumentException($"Row {r} has a NaN probability.", nameof(probabilities));
                }

                if (row[k] > row[best])
                {
                    best = k;
                }

                var y = k == truth ? 1.0 : 0.0;
                if (c > 2 || k == 1)
                {
                    brier += (row[k] - y) * (row[k] - y);
                }
            }

            confusion[truth, best]++;
            logLoss -= Math.Log(Math.Clamp(row[truth], LogLossEpsilon, 1 - LogLossEpsilon));
            confidence[r] = row[best];
            correct[r] = best == truth;
        }

        var perClass = new List<ClassMetrics>(c);
        var scores = new double[n];
        var isClass = new bool[n];
        for (var k = 0; k < c; k++)
        {
            long tp = confusion[k, k], support = 0, predictedCount = 0;
            for (var j = 0; j < c; j++)
            {
                support += confusion[k, j];
                predictedCount += confusion[j, k];
            }

            for (var r = 0; r < n; r++)
            {
                scores[r] = probabilities[(r * c) + k];
                isClass[r] = actual[r] == k;
            }

            var precision = predictedCount == 0 ? 0 : (double)tp / predictedCount;
            var recall = support == 0 ? 0 : (double)tp / support;
            perClass.Add(new ClassMetrics(
                classes[k],
                support,
                precision,
                recall,
                precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
                RankingMetrics.RocAuc(scores, isClass),
                RankingMetrics.AveragePrecision(scores, isClass)));
        }

        long accurate = 0;
        for (var k = 0; k < c; k++)
        {
            accurate += confusion[k, k];
        }

        var macro = AveragedMetrics.Of(perClass, weighted: false);
        var weighted = AveragedMetrics.Of(perClass, weighted: true);
        var binary = c == 2;
        var positive = perClass[1];
        CalibrationTable calibration;
        if (binary)
        {
            for (var r = 0; r < n; r++)
            {
                scores[r] = probabilities[(r * c) + 1];
                isClass[r] = actual[r] == 1;
            }

            calibration = CalibrationTable.Build("positiveClass", scores, isClass, calibrationBins);
        }
        else
        {
            calibration = CalibrationTable.Build("topLabel", confidence, correct, calibrationBins);
        }

        var matrix = new IReadOnlyList<long>[c];
        for (var k = 0; k < c; k++)
        {
            var row = new long[c];
            for (var j = 0; j < c; j++)
            {
                row[j] = confusion[k, j];
            }

            matrix[k] = row;
        }

        return new ClassificationMetrics
        {
            Rows = n,
            Classes = classes.ToArray(),
            Accuracy = (double)accurate / n,
            Auc = binary ? positive.Auc : macro.Auc,
            PrAuc = binary ? positive.AveragePrecision : MeanOrNull(perClass.Select(p => p.AveragePrecision)),
            Precision = binary ? positive.Precision : macro.Precision,
            Recall = binary ? positive.Recall : macro.Recall,
            F1 = binary ? positive.F1 : macro.F1,
            LogLoss = logLoss / n,
            Brier = brier / n,
            ConfusionMatrix = matrix,
            PerClass = perClass,
            Macro = macro,
            Weighted = weighted,
            Calibration = calibration,
        };
    }

    internal static double? MeanOrNull(IEnumerable<double?> values)
    {
        var list = values.ToList();
        return list.Count == 0 || list.Any(v => v is null) ? null : list.Average(v => v!.Value);
    }
}

/// <summary>One class against the rest.</summary>
/// <param name="Support">Rows whose true class this is.</param>
/// <param name="Auc">One-vs-rest ROC AUC from this class's probability; null when the holdout has no row of it (or only rows of it).</param>
/// <param name="AveragePrecision">One-vs-rest average precision; null when the holdout has no row of it.</param>
public sealed record ClassMetrics(string Class, long Support, double Precision, double Recall, double F1, double? Auc, double? AveragePrecision);

/// <summary>Precision, recall, F1 and one-vs-rest AUC averaged over classes.</summary>
/// <param name="Auc">Null when any class's AUC is undefined: an average that silently skips a class would flatter the model.</param>
public sealed record AveragedMetrics(double Precision, double Recall, double F1, double? Auc)
{
    internal static AveragedMetrics Of(IReadOnlyList<ClassMetrics> classes, bool weighted)
    {
        double total = weighted ? classes.Sum(c => (double)c.Support) : classes.Count;
        double Weight(ClassMetrics c) => weighted ? c.Support / total : 1.0 / classes.Count;
        double? auc = classes.Any(c => c.Auc is null) ? null : classes.Sum(c => Weight(c) * c.Auc!.Value);
        return new AveragedMetrics(
            classes.Sum(c => Weight(c) * c.Precision),
            classes.Sum(c => Weight(c) * c.Recall),
            classes.Sum(c => Weight(c) * c.F1),
            auc);
    }
}
