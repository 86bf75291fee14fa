using System.Globalization;
using MLOps.Domain.Profiles;

namespace MLOps.Domain.Drift;

/// <summary>Compares a live window with a reference profile: per feature the test, score, threshold and verdict; then dataset and prediction drift.</summary>
/// <remarks>
/// Only the reference's precomputed bins, counts and sample are touched, so the cost depends on the window and the
/// profile's bounded summaries, never on the size of the training set.
/// </remarks>
public static class DriftAnalyzer
{
    /// <summary>Categories shown in a histogram before the rest are summed into "(other)".</summary>
    public const int MaxHistogramCategories = 20;

    private const string OtherCategory = "(other)";

    public static DataDriftResult AnalyzeData(ReferenceProfile reference, WindowProfile window, DriftSettings settings)
    {
        var results = new List<FeatureDrift>(reference.Features.Count);
        foreach (var feature in reference.Features)
        {
            if (settings.Features.TryGetValue(feature.Name, out var o) && !o.Enabled)
            {
                results.Add(Skipped(feature.Name, feature.Kind, FeatureDriftStatus.Disabled, "Excluded by the model's drift settings."));
                continue;
            }

            var current = window.Feature(feature.Name);
            results.Add(current is null
                ? Skipped(feature.Name, feature.Kind, FeatureDriftStatus.InsufficientData, "The window has no values for this feature.")
                : Compare(feature.Name, feature.Kind, feature.Count, feature.Missing, feature.Numeric, feature.Categorical, reference.Rows, current, settings));
        }

        var checkedCount = results.Count(r => r.Status == FeatureDriftStatus.Checked);
        var drifted = results.Count(r => r.Drifted);
        var share = checkedCount == 0 ? 0 : (double)drifted / checkedCount;
        return new DataDriftResult(results, checkedCount, drifted, share, settings.DatasetDriftShare, checkedCount > 0 && share >= settings.DatasetDriftShare);
    }

    /// <summary>Prediction drift: predicted labels and scores against the holdout's; null when the reference has no prediction profile.</summary>
    /// <param name="positiveClass">Binary classification: the class whose probability the window's scores are, named in the result.</param>
    public static PredictionDriftResult? AnalyzePredictions(ReferenceProfile reference, WindowProfile window, DriftSettings settings, string? positiveClass = null)
    {
        if (reference.Predictions is not { } predictions)
        {
            return null;
        }

        FeatureDrift? labels = null, scores = null;
        if (predictions.Labels is { } l && window.PredictedLabels is { } currentLabels)
        {
            var count = l.Counts.Values.Sum() + l.OtherCount;
            labels = Compare(WindowProfileBuilder.PredictionLabel, ProfileKind.Categorical, count, 0, null, l, count, currentLabels, settings);
        }

        if (predictions.Scores is { } s && window.PredictionScores is { } currentScores)
        {
            var count = s.BinCounts.Sum();
            scores = Compare(WindowProfileBuilder.PredictionScore, ProfileKind.Numeric, count, 0, s, null, count, currentScores, settings);
        }

        var positive = predictions.Task == Registry.ModelTask.BinaryClassification ? predictions.PositiveClass ?? positiveClass : null;
        return new PredictionDriftResult(labels, scores, (labels?.Drifted ?? false) || (scores?.Drifted ?? false))
        {
            PositiveClass = positive,
            ScoreMeaning = predictions.Task switch
            {
                Registry.ModelTask.BinaryClassification => positive is null ? "probability of the positive class" : $"probability of class '{positive}'",
                Registry.ModelTask.MulticlassClassification => "probability of the top class",
                Registry.ModelTask.Regression => "predicted value",
                _ => "predicted value, or probability of the positive class",
            },
        };
    }

    private static FeatureDrift Compare(
        string name,
        ProfileKind kind,
        long referenceCount,
        long referenceMissing,
        NumericSummary? numeric,
        CategoricalSummary? categorical,
        long referenceRows,
        WindowFeature current,
        DriftSettings settings)
    {
        var (method, threshold) = settings.MethodFor(name, kind, referenceRows);
        var baseline = new FeatureDrift
        {
            Feature = name,
            Kind = kind,
            Status = FeatureDriftStatus.Checked,
            Method = method,
            Threshold = threshold,
            ReferenceCount = referenceCount,
            CurrentCount = current.Count,
            ReferenceMissingShare = Share(referenceMissing, referenceCount + referenceMissing),
            CurrentMissingShare = Share(current.Missing, current.Count + current.Missing),
        };

        if (!method.AppliesTo(kind))
        {
            return baseline with { Status = FeatureDriftStatus.Misconfigured, Note = $"Method '{MethodName(method)}' does not apply to a {kind.ToString().ToLowerInvariant()} feature; fix the model's drift settings." };
        }

        if (referenceCount == 0 || (numeric is null && categorical is null))
        {
            return baseline with { Status = FeatureDriftStatus.NoReference, Note = "The reference profile has no values for this feature." };
        }

        if (current.Count < settings.MinWindowRows)
        {
            return baseline with { Status = FeatureDriftStatus.InsufficientData, Note = $"{current.Count} values in the window; at least {settings.MinWindowRows} are needed." };
        }

        return numeric is not null
            ? CompareNumeric(baseline, numeric, current, settings)
            : CompareCategorical(baseline, categorical!, current, settings);
    }

    private static FeatureDrift CompareNumeric(FeatureDrift result, NumericSummary reference, WindowFeature current, DriftSettings settings)
    {
        var refBins = reference.BinCounts.Select(c => (double)c).ToArray();
        var curBins = (current.BinCounts ?? throw new InvalidOperationException("A numeric window feature needs bin counts.")).Select(c => (double)c).ToArray();
        var psi = DriftStatistics.PopulationStabilityIndex(refBins, curBins);
        var refSample = reference.Sample as double[] ?? reference.Sample.ToArray();
        var curSample = current.SortedSample ?? [];
        var outcome = result.Method switch
        {
            DriftMethod.KolmogorovSmirnov => Outcome.Of(DriftStatistics.KolmogorovSmirnov(refSample, curSample)),
            DriftMethod.Wasserstein => Outcome.Distance(DriftStatistics.NormalisedWasserstein(refSample, curSample, reference.StdDev)),
            DriftMethod.JensenShannon => Outcome.Distance(DriftStatistics.JensenShannonDistance(refBins, curBins)),
            _ => Outcome.Distance(psi),
        };

        return Verdict(result, outcome, psi, settings) with
        {
            Histogram = new DriftHistogram(BinLabels(reference.BinEdges), Shares(refBins), Shares(curBins)),
        };
    }

    private static FeatureDrift CompareCategorical(FeatureDrift result, CategoricalSummary reference, WindowFeature current, DriftSettings settings)
    {
        // One bin per category either side knows. A current value the reference never counted goes to "(other)" when
        // the reference overflowed its category cap (it may be among the uncounted ones), and is a new category otherwise.
        var currentCounts = current.Categories ?? new Dictionary<string, long>();
        var keys = new List<string>(reference.Counts.Keys);
        var currentOther = current.OtherCount;
        foreach (var (key, count) in currentCounts)
        {
            if (reference.Counts.ContainsKey(key))
            {
                continue;
            }

            if (reference.OtherCount > 0)
            {
                currentOther += count;
            }
            else
            {
                keys.Add(key);
            }
        }

        keys.Sort(StringComparer.Ordinal);
        var withOther = reference.OtherCount > 0 || currentOther > 0;
        var size = keys.Count + (withOther ? 1 : 0);
        var refCounts = new double[size];
        var curCounts = new double[size];
        for (var i = 0; i < keys.Count; i++)
        {
            refCounts[i] = reference.Counts.TryGetValue(keys[i], out var r) ? r : 0;
            curCounts[i] = reference.Counts.ContainsKey(keys[i]) || reference.OtherCount == 0 ? currentCounts.GetValueOrDefault(keys[i]) : 0;
        }

        if (withOther)
        {
            refCounts[^1] = reference.OtherCount;
            curCounts[^1] = currentOther;
        }

        var psi = DriftStatistics.PopulationStabilityIndex(refCounts, curCounts);
        var outcome = result.Method switch
        {
            DriftMethod.ChiSquare => Outcome.Of(DriftStatistics.ChiSquare(refCounts, curCounts)),
            DriftMethod.ChiSquareGoodnessOfFit => Outcome.Of(DriftStatistics.ChiSquareGoodnessOfFit(refCounts, curCounts)),
            DriftMethod.ZTest => Outcome.Of(TrueShareTest(keys.IndexOf("true"), refCounts, curCounts)),
            DriftMethod.JensenShannon => Outcome.Distance(DriftStatistics.JensenShannonDistance(refCounts, curCounts)),
            _ => Outcome.Distance(psi),
        };

        List<string> labels = withOther ? [.. keys, OtherCategory] : keys;
        var newCategories = reference.OtherCount == 0 ? keys.Where(k => !reference.Counts.ContainsKey(k)).ToList() : [];
        return Verdict(result, outcome, psi, settings) with
        {
            Histogram = TopCategories(labels, Shares(refCounts), Shares(curCounts)),
            NewCategories = newCategories.Count == 0 ? null : newCategories.Take(MaxHistogramCategories).ToList(),
        };
    }

    /// <summary>The two-proportion z-test of the share of "true" (at <paramref name="trueIndex"/>, -1 when neither side has one).</summary>
    private static TestResult TrueShareTest(int trueIndex, double[] refCounts, double[] curCounts) => DriftStatistics.TwoProportionZ(
        trueIndex < 0 ? 0 : (long)refCounts[trueIndex], (long)refCounts.Sum(), trueIndex < 0 ? 0 : (long)curCounts[trueIndex], (long)curCounts.Sum());

    private static FeatureDrift Verdict(FeatureDrift result, Outcome outcome, double psi, DriftSettings settings)
    {
        var score = outcome.Score;
        var drifted = result.Method!.Value.IsPValueTest() ? score < result.Threshold!.Value : score >= result.Threshold!.Value;
        var level = psi >= settings.Thresholds.PsiSignificant ? PsiLevel.Significant
            : psi >= settings.Thresholds.PsiModerate ? PsiLevel.Moderate
            : PsiLevel.None;
        return result with
        {
            Score = Finite(score),
            Statistic = Finite(outcome.Statistic),
            PValue = outcome.PValue,
            KsMethod = outcome.KsMethod,
            Drifted = drifted,
            Psi = psi,
            PsiLevel = level,
        };
    }

    /// <summary>JSON has no infinity; an infinite distance (constant reference, moved current) is reported as the largest double.</summary>
    private static double Finite(double value) => double.IsPositiveInfinity(value) ? double.MaxValue : value;

    private static FeatureDrift Skipped(string name, ProfileKind kind, FeatureDriftStatus status, string note) =>
        new() { Feature = name, Kind = kind, Status = status, Note = note };

    private static double Share(long part, long total) => total == 0 ? 0 : (double)part / total;

    private static double[] Shares(double[] counts)
    {
        var total = counts.Sum();
        return counts.Select(c => total == 0 ? 0 : c / total).ToArray();
    }

    private static List<string> BinLabels(IReadOnlyList<double> edges)
    {
        var labels = new List<string>(edges.Count + 1);
        if (edges.Count == 0)
        {
            labels.Add("all");
            return labels;
        }

        labels.Add("≤ " + Format(edges[0]));
        for (var i = 1; i < edges.Count; i++)
        {
            labels.Add($"({Format(edges[i - 1])}, {Format(edges[i])}]");
        }

        labels.Add("> " + Format(edges[^1]));
        return labels;
    }

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private static DriftHistogram TopCategories(List<string> labels, double[] reference, double[] current)
    {
        if (labels.Count <= MaxHistogramCategories)
        {
            return new DriftHistogram(labels, reference, current);
        }

        // The categories that matter most for the picture: the largest shares on either side; the rest summed.
        var order = Enumerable.Range(0, labels.Count).OrderByDescending(i => Math.Max(reference[i], current[i])).ToList();
        var kept = order.Take(MaxHistogramCategories - 1).Order().ToList();
        var rest = order.Skip(MaxHistogramCategories - 1).ToList();
        return new DriftHistogram(
            [.. kept.Select(i => labels[i]), "(rest)"],
            [.. kept.Select(i => reference[i]), rest.Sum(i => reference[i])],
            [.. kept.Select(i => current[i]), rest.Sum(i => current[i])]);
    }

    public static string MethodName(DriftMethod method) => method switch
    {
        DriftMethod.KolmogorovSmirnov => "ks",
        DriftMethod.ChiSquare => "chiSquare",
        DriftMethod.ChiSquareGoodnessOfFit => "chiSquareGof",
        DriftMethod.ZTest => "zTest",
        DriftMethod.Wasserstein => "wasserstein",
        DriftMethod.JensenShannon => "jensenShannon",
        DriftMethod.Psi => "psi",
        _ => method.ToString(),
    };

    /// <summary>What a method gives: the score compared with the threshold (a test's p-value, else the distance) and the details reported beside it.</summary>
    private readonly record struct Outcome(double Score, double Statistic, double? PValue, KsMethod? KsMethod)
    {
        public static Outcome Distance(double distance) => new(distance, distance, null, null);

        public static Outcome Of(TestResult test) => new(test.PValue, test.Statistic, test.PValue, null);

        public static Outcome Of(KsResult ks) => new(ks.PValue, ks.Statistic, ks.PValue, ks.Method);
    }
}
