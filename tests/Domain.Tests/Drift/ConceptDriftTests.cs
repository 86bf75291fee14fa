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
        var result = ConceptDriftEvaluator.Evaluate(PerformanceMetric.Accuracy, Labelled(200, 0.9, 0, 4), baseline: null, new ConceptDriftSettings());

        Assert.Equal(ConceptDriftStatus.NoBaseline, result.Status);
        Assert.NotNull(result.Current);
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
            Concept = new ConceptDriftSettings { MinLabels = 10, WindowLabels = 5 },
        };

        var fields = settings.Check().Select(e => e.Field).ToList();

        Assert.Equal(
            ["window.duration", "minWindowRows", "datasetDriftShare", "thresholds.kolmogorovSmirnov", "thresholds.wasserstein", "features.x.threshold", "concept.windowLabels"],
            fields);
        Assert.Empty(DriftSettings.Default.Check());
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
