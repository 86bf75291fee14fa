using MLOps.Domain.Drift;
using MLOps.Domain.Registry;

namespace MLOps.Domain.Tests.Drift;

public sealed class ConceptDriftTests
{
    [Fact]
    public void Evaluate_LabelsFlippedForAThird_IsDecay()
    {
        // The model predicts the truth for 92% of rows at evaluation time; then the concept changes and a third of the
        // true labels flip, so the same predictions are right for about 0.92 * 2/3 + 0.08 * 1/3 = 64%.
        var labels = Labelled(1000, accuracy: 0.92, flipShare: 1.0 / 3, seed: 1);

        var result = ConceptDriftEvaluator.Evaluate(PerformanceMetric.Accuracy, labels, baseline: 0.92, new ConceptDriftSettings());

        Assert.Equal(ConceptDriftStatus.Checked, result.Status);
        Assert.True(result.Decay);
        Assert.InRange(result.Current!.Value, 0.60, 0.68);
        Assert.InRange(result.Drop!.Value, 0.24, 0.32);
    }

    [Fact]
    public void Evaluate_NoFlip_IsNotDecay()
    {
        var labels = Labelled(1000, accuracy: 0.92, flipShare: 0, seed: 2);

        var result = ConceptDriftEvaluator.Evaluate(PerformanceMetric.Accuracy, labels, baseline: 0.92, new ConceptDriftSettings());

        Assert.False(result.Decay);
        Assert.InRange(result.Drop!.Value, -0.05, 0.05);
    }

    [Fact]
    public void Evaluate_FewerLabelsThanMinimum_IsInsufficient()
    {
        var labels = Labelled(99, accuracy: 0.5, flipShare: 0.5, seed: 3);

        var result = ConceptDriftEvaluator.Evaluate(PerformanceMetric.Accuracy, labels, baseline: 0.92, new ConceptDriftSettings());

        Assert.Equal(ConceptDriftStatus.InsufficientLabels, result.Status);
        Assert.False(result.Decay);
        Assert.Equal(99, result.Labels);
    }

    [Fact]
    public void Evaluate_NoBaseline_ReportsCurrentWithoutVerdict()
    {
        var labels = Labelled(200, 0.9, 0, 4);

        var result = ConceptDriftEvaluator.Evaluate(PerformanceMetric.Accuracy, labels, baseline: null, new ConceptDriftSettings());

        Assert.Equal(ConceptDriftStatus.NoBaseline, result.Status);
        Assert.NotNull(result.Current);
        Assert.Equal(labels.Count(l => l.PredictedLabel == l.ActualLabel) / 200.0, result.Current.Value, 12); // the accuracy of these rows
        Assert.InRange(result.Current.Value, 0.85, 0.95); // about the 90% the rows were drawn with
        Assert.Equal(200, result.Labels);
        Assert.Null(result.Drop);
        Assert.False(result.Decay);
    }

    [Fact]
    public void Compute_RegressionMetrics_MatchHandComputation()
    {
        LabelledPrediction[] rows = [new(null, 1, null, 2), new(null, 2, null, 2), new(null, 6, null, 3)];

        Assert.Equal(4.0 / 3, ConceptDriftEvaluator.Compute(PerformanceMetric.Mae, rows), 12);
        Assert.Equal(Math.Sqrt(10.0 / 3), ConceptDriftEvaluator.Compute(PerformanceMetric.Rmse, rows), 12);
        // actual mean 7/3; SS_tot = 1/9 + 1/9 + 4/9 = 2/3; SS_res = 1 + 0 + 9 = 10
        Assert.Equal(1 - (10 / (2.0 / 3)), ConceptDriftEvaluator.Compute(PerformanceMetric.R2, rows), 12);
    }

    [Fact]
    public void Evaluate_ErrorMetricRises_IsDecayInTheRightDirection()
    {
        LabelledPrediction[] rows = [.. Enumerable.Range(0, 100).Select(i => new LabelledPrediction(null, i, null, i + 0.5))];

        var worse = ConceptDriftEvaluator.Evaluate(PerformanceMetric.Mae, rows, baseline: 0.3, new ConceptDriftSettings { MaxDrop = 0.1 });
        var better = ConceptDriftEvaluator.Evaluate(PerformanceMetric.Mae, rows, baseline: 0.7, new ConceptDriftSettings { MaxDrop = 0.1 });

        Assert.True(worse.Decay);
        Assert.Equal(0.2, worse.Drop!.Value, 12);
        Assert.False(better.Decay);
        Assert.Equal(PerformanceMetric.Mae, ConceptDriftEvaluator.DefaultMetric(ModelTask.Regression));
    }

    [Fact]
    public void DriftSettings_Check_NamesEveryBadField()
    {
        var settings = DriftSettings.Default with
        {
            MinWindowRows = 0,
            DatasetDriftShare = 1.5,
            Window = new DriftWindow { Duration = TimeSpan.Zero },
            Thresholds = new DriftThresholds { KolmogorovSmirnov = 1, Wasserstein = double.NaN },
            Features = new Dictionary<string, FeatureDriftOverride> { ["x"] = new() { Method = DriftMethod.ChiSquare, Threshold = 2 } },
            Concept = new ConceptDriftSettings { MinLabels = 10, WindowLabels = 5, Metric = (PerformanceMetric)99 },
        };

        var fields = settings.Check().Select(e => e.Field).ToList();

        Assert.Equal(
            ["window.duration", "minWindowRows", "datasetDriftShare", "thresholds.kolmogorovSmirnov", "thresholds.wasserstein", "features.x.threshold", "concept.windowLabels", "concept.metric"],
            fields);
        Assert.Empty(DriftSettings.Default.Check());
    }

    [Fact]
    public void Compute_AucAndF1_MatchHandComputation()
    {
        // Scores of the positive class "1": positives 0.9, 0.6, 0.4; negatives 0.7, 0.2, 0.4 (a tie with a positive).
        // Pairs (positive above negative): 0.9 beats all 3; 0.6 beats 0.2 and 0.4 (2); 0.4 beats 0.2 and ties 0.4 (1.5):
        // AUC = 6.5 / 9. Predicted labels at 0.5: TP 2 (0.9, 0.6), FP 1 (0.7), FN 1 (0.4): F1 = 4 / (4 + 1 + 1).
        LabelledPrediction[] rows =
        [
            Binary(0.9, "1"), Binary(0.6, "1"), Binary(0.4, "1"),
            Binary(0.7, "0"), Binary(0.2, "0"), Binary(0.4, "0"),
        ];

        Assert.Equal(6.5 / 9, ConceptDriftEvaluator.Compute(PerformanceMetric.Auc, rows, "1"), 12);
        Assert.Equal(4.0 / 6, ConceptDriftEvaluator.Compute(PerformanceMetric.F1, rows, "1"), 12);
        Assert.Equal(4.0 / 6, ConceptDriftEvaluator.Compute(PerformanceMetric.Accuracy, rows), 12);

        // The AUC of the other class from its own probabilities is the same number; its F1 is not.
        Assert.Equal(6.5 / 9, ConceptDriftEvaluator.Compute(PerformanceMetric.Auc, rows, "0"), 12);
        Assert.Equal(4.0 / 6, ConceptDriftEvaluator.Compute(PerformanceMetric.F1, rows, "0"), 12); // TP 2, FP 1, FN 1 for "0" as well
    }

    [Fact]
    public void Compute_MulticlassF1AndAuc_AreMacroAverages()
    {
        // Classes a, b, c. Predicted label = top probability.
        LabelledPrediction[] rows =
        [
            Multi("a", new() { ["a"] = 0.7, ["b"] = 0.2, ["c"] = 0.1 }),
            Multi("a", new() { ["a"] = 0.3, ["b"] = 0.6, ["c"] = 0.1 }),
            Multi("b", new() { ["a"] = 0.1, ["b"] = 0.8, ["c"] = 0.1 }),
            Multi("c", new() { ["a"] = 0.2, ["b"] = 0.2, ["c"] = 0.6 }),
            Multi("c", new() { ["a"] = 0.5, ["b"] = 0.1, ["c"] = 0.4 }),
        ];

        // Per class F1: a: TP 1, FP 1, FN 1 -> 0.5; b: TP 1, FP 1, FN 0 -> 2/3; c: TP 1, FP 0, FN 1 -> 2/3.
        Assert.Equal((0.5 + (2.0 / 3) + (2.0 / 3)) / 3, ConceptDriftEvaluator.Compute(PerformanceMetric.F1, rows), 12);

        // One-vs-rest AUCs: a: positives {0.7, 0.3} vs negatives {0.1, 0.2, 0.5} -> (3 + 2) / 6; b: {0.8} vs {0.2, 0.6, 0.2, 0.1} -> 1;
        // c: {0.6, 0.4} vs {0.1, 0.1, 0.1} -> 1.
        Assert.Equal(((5.0 / 6) + 1 + 1) / 3, ConceptDriftEvaluator.Compute(PerformanceMetric.Auc, rows), 12);
    }

    [Theory]
    [InlineData(PerformanceMetric.Auc)]
    [InlineData(PerformanceMetric.F1)]
    [InlineData(PerformanceMetric.Accuracy)]
    public void Evaluate_LabelFlipOfAThird_IsDecayOnEveryClassificationMetric(PerformanceMetric metric)
    {
        // Evaluation time: a calibrated model (AUC about 0.9). Then a third of the true labels flip.
        var baseline = Scored(4000, flipShare: 0, seed: 21);
        var flipped = Scored(1000, flipShare: 1.0 / 3, seed: 22);
        var before = ConceptDriftEvaluator.Compute(metric, baseline, "1");

        var result = ConceptDriftEvaluator.Evaluate(
            ModelTask.BinaryClassification, metric, flipped, new Dictionary<PerformanceMetric, double> { [metric] = before }, new ConceptDriftSettings(), "1");

        Assert.Equal(ConceptDriftStatus.Checked, result.Status);
        Assert.Equal(metric, result.Metric);
        Assert.True(result.Decay, $"{metric}: {result.Current} vs {before}");
        Assert.True(result.Drop > 0.15, $"{metric} dropped by {result.Drop}");
        Assert.Equal("1", result.PositiveClass);
        Assert.Equal([PerformanceMetric.Accuracy, PerformanceMetric.F1, PerformanceMetric.Auc], result.Metrics.Select(m => m.Metric));
        Assert.All(result.Metrics, m => Assert.Equal(1000, m.Labels));
        Assert.Equal(result.Current, result.Metrics.Single(m => m.Metric == metric).Current);
    }

    [Theory]
    [InlineData(PerformanceMetric.Auc)]
    [InlineData(PerformanceMetric.F1)]
    public void Evaluate_NoFlip_IsNotDecayOnAucOrF1(PerformanceMetric metric)
    {
        var baseline = ConceptDriftEvaluator.Compute(metric, Scored(4000, 0, seed: 23), "1");

        var result = ConceptDriftEvaluator.Evaluate(metric, Scored(1000, 0, seed: 24), baseline, new ConceptDriftSettings(), "1");

        Assert.False(result.Decay);
        Assert.InRange(result.Drop!.Value, -0.04, 0.04);
    }

    [Fact]
    public void Evaluate_AucWithoutLoggedProbabilities_IsInsufficientAndSaysWhy()
    {
        var rows = Scored(300, 0, seed: 25).Select(r => r with { Probabilities = null }).ToList();

        var result = ConceptDriftEvaluator.Evaluate(PerformanceMetric.Auc, rows, 0.9, new ConceptDriftSettings(), "1");

        Assert.Equal(ConceptDriftStatus.InsufficientLabels, result.Status);
        Assert.Equal(0, result.Labels);
        Assert.Contains("no logged probabilities", result.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_AucWithOneTrueClass_IsUndefined()
    {
        var rows = Scored(300, 0, seed: 26).Select(r => r with { ActualLabel = "1" }).ToList();

        var result = ConceptDriftEvaluator.Evaluate(PerformanceMetric.Auc, rows, 0.9, new ConceptDriftSettings(), "1");

        Assert.Equal(ConceptDriftStatus.Undefined, result.Status);
        Assert.False(result.Decay);
    }

    [Fact]
    public void Evaluate_MetricOfTheOtherTask_IsNotApplicable()
    {
        var result = ConceptDriftEvaluator.Evaluate(
            ModelTask.Regression, PerformanceMetric.Auc, [new LabelledPrediction(null, 1, null, 2)], new Dictionary<PerformanceMetric, double>(), new ConceptDriftSettings { MinLabels = 1 }, null);

        Assert.Equal(ConceptDriftStatus.NotApplicable, result.Status);
        Assert.Contains("mae", result.Note, StringComparison.Ordinal);
        Assert.Equal([PerformanceMetric.Mae, PerformanceMetric.Rmse, PerformanceMetric.R2], result.Metrics.Select(m => m.Metric));
    }

    private static LabelledPrediction Binary(double p, string actual) =>
        new(p >= 0.5 ? "1" : "0", null, actual, null, new Dictionary<string, double> { ["0"] = 1 - p, ["1"] = p });

    private static LabelledPrediction Multi(string actual, Dictionary<string, double> probabilities) =>
        new(probabilities.MaxBy(p => p.Value).Key, null, actual, null, probabilities);

    /// <summary>A calibrated binary model: the truth is 1 with probability p; then a share of true labels flips.</summary>
    private static List<LabelledPrediction> Scored(int rows, double flipShare, int seed)
    {
        var random = new Random(seed);
        var list = new List<LabelledPrediction>(rows);
        for (var i = 0; i < rows; i++)
        {
            // Scores concentrated near 0 and 1 (Beta-like), so the model ranks well: AUC about 0.9.
            var u = random.NextDouble();
            var p = u < 0.5 ? Math.Pow(u * 2, 3) / 2 : 1 - (Math.Pow((1 - u) * 2, 3) / 2);
            var truth = random.NextDouble() < p ? "1" : "0";
            var actual = random.NextDouble() < flipShare ? Other(truth) : truth;
            list.Add(Binary(p, actual));
        }

        return list;
    }

    private static List<LabelledPrediction> Labelled(int rows, double accuracy, double flipShare, int seed)
    {
        var random = new Random(seed);
        var list = new List<LabelledPrediction>(rows);
        for (var i = 0; i < rows; i++)
        {
            var truth = random.NextDouble() < 0.5 ? "1" : "0";
            var predicted = random.NextDouble() < accuracy ? truth : Other(truth);
            var actual = random.NextDouble() < flipShare ? Other(truth) : truth;
            list.Add(new LabelledPrediction(predicted, null, actual, null));
        }

        return list;
    }

    private static string Other(string label) => label == "1" ? "0" : "1";
}
