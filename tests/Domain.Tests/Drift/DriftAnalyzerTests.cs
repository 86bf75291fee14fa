using MLOps.Domain.Drift;
using MLOps.Domain.Features;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;

namespace MLOps.Domain.Tests.Drift;

/// <summary>Known shifts are detected at the documented thresholds, no shift is not, and the default method rule holds.</summary>
public sealed class DriftAnalyzerTests
{
    private static readonly FeatureSchema Schema = new(
    [
        new FeatureSpec("income", FeatureType.Double),
        new FeatureSpec("plan", FeatureType.String),
        new FeatureSpec("has_support", FeatureType.Bool),
    ]);

    /// <summary>What a population looks like: income ~ N(mean, sd), plan shares, and the share of has_support.</summary>
    private sealed record Population(double Mean = 50, double Sd = 10, double Basic = 0.5, double Pro = 0.3, double Team = 0.2, double Enterprise = 0, double Support = 0.3, double Positive = 0.4);

    [Theory]
    [InlineData(800)]
    [InlineData(5000)]
    public void Analyze_NoShift_NothingDrifts(int referenceRows)
    {
        var reference = Reference(referenceRows, new Population(), seed: 1);
        var window = Window(reference, 2000, new Population(), seed: 2);

        var result = DriftAnalyzer.AnalyzeData(reference, window, DriftSettings.Default);

        Assert.Equal(["income", "plan", "has_support"], result.Features.Select(f => f.Feature)); // else the Assert.All below checks nothing
        Assert.Equal(3, result.CheckedFeatures);
        Assert.All(result.Features, f => Assert.Equal(FeatureDriftStatus.Checked, f.Status));
        Assert.All(result.Features, f => Assert.False(f.Drifted, $"{f.Feature}: {f.Method} score {f.Score} vs {f.Threshold}"));
        Assert.All(result.Features, f => Assert.Equal(PsiLevel.None, f.PsiLevel));
        Assert.False(result.DatasetDrift);
    }

    /// <summary>The default rule on either side of <see cref="DriftSettings.SmallReferenceRows"/> (1000): p-value tests at 0.05, then distances at 0.1.</summary>
    [Theory]
    [InlineData(1000, DriftMethod.KolmogorovSmirnov, DriftMethod.ChiSquare, DriftMethod.ZTest, 0.05)]
    [InlineData(1001, DriftMethod.Wasserstein, DriftMethod.JensenShannon, DriftMethod.JensenShannon, 0.1)]
    public void Analyze_ReferenceSize_ChoosesTheMethodPerKind(int referenceRows, DriftMethod numeric, DriftMethod categorical, DriftMethod binary, double threshold)
    {
        var reference = Reference(referenceRows, new Population(), seed: 3);
        var window = Window(reference, 500, new Population(), seed: 4);

        var result = DriftAnalyzer.AnalyzeData(reference, window, DriftSettings.Default);

        Assert.Equal([numeric, categorical, binary], result.Features.Select(f => f.Method!.Value));
        Assert.All(result.Features, f => Assert.Equal(threshold, f.Threshold));
        Assert.All(result.Features, f => Assert.Equal(f.Method!.Value.IsPValueTest(), f.PValue is not null));
        if (numeric == DriftMethod.KolmogorovSmirnov)
        {
            Assert.Equal(KsMethod.Exact, result.Features[0].KsMethod); // 1000 x 500 <= 1,000,000
        }
    }

    [Theory]
    [InlineData(800, DriftMethod.KolmogorovSmirnov)]
    [InlineData(5000, DriftMethod.Wasserstein)]
    public void Analyze_MeanShiftOfHalfASd_NumericFeatureDrifts(int referenceRows, DriftMethod expected)
    {
        var reference = Reference(referenceRows, new Population(), seed: 5);
        var window = Window(reference, 1000, new Population(Mean: 55), seed: 6);

        var income = DriftAnalyzer.AnalyzeData(reference, window, DriftSettings.Default).Features[0];

        Assert.Equal(expected, income.Method);
        Assert.True(income.Drifted, $"score {income.Score}");
        if (expected == DriftMethod.Wasserstein)
        {
            // W1 of a pure shift is the shift: 5 / sd 10 = 0.5, estimated from samples.
            Assert.InRange(income.Score!.Value, 0.4, 0.6);
        }
        else
        {
            Assert.True(income.PValue < 1e-6);
        }

        Assert.Equal(PsiLevel.Moderate, income.PsiLevel);
    }

    [Theory]
    [InlineData(800)]
    [InlineData(5000)]
    public void Analyze_VarianceDoubled_NumericFeatureDrifts(int referenceRows)
    {
        var reference = Reference(referenceRows, new Population(), seed: 7);
        var window = Window(reference, 1000, new Population(Sd: 20), seed: 8);

        var income = DriftAnalyzer.AnalyzeData(reference, window, DriftSettings.Default).Features[0];

        Assert.True(income.Drifted, $"{income.Method} score {income.Score}");
        Assert.Equal(PsiLevel.Significant, income.PsiLevel);
    }

    [Theory]
    [InlineData(800, DriftMethod.ChiSquare)]
    [InlineData(5000, DriftMethod.JensenShannon)]
    public void Analyze_NewCategory_CategoricalFeatureDriftsAndNamesIt(int referenceRows, DriftMethod expected)
    {
        var reference = Reference(referenceRows, new Population(), seed: 9);
        var window = Window(reference, 1000, new Population(Basic: 0.35, Pro: 0.2, Team: 0.15, Enterprise: 0.3), seed: 10);

        var plan = DriftAnalyzer.AnalyzeData(reference, window, DriftSettings.Default).Features[1];

        Assert.Equal(expected, plan.Method);
        Assert.True(plan.Drifted, $"score {plan.Score}");
        Assert.Equal(["enterprise"], plan.NewCategories!);
        Assert.Contains("enterprise", plan.Histogram!.Bins);
        Assert.Equal(PsiLevel.Significant, plan.PsiLevel);
    }

    [Fact]
    public void Analyze_BinaryShareChanged_ZTestDrifts()
    {
        var reference = Reference(800, new Population(), seed: 11);
        var window = Window(reference, 1000, new Population(Support: 0.45), seed: 12);

        var support = DriftAnalyzer.AnalyzeData(reference, window, DriftSettings.Default).Features[2];

        Assert.Equal(DriftMethod.ZTest, support.Method);
        Assert.True(support.Drifted, $"p {support.PValue}");
    }

    [Fact]
    public void Analyze_TwoOfThreeFeaturesDrift_FlagsDatasetDriftAtHalf()
    {
        var reference = Reference(800, new Population(), seed: 13);
        var two = Window(reference, 1000, new Population(Mean: 60, Support: 0.6), seed: 14);
        var one = Window(reference, 1000, new Population(Mean: 60), seed: 14);

        var twoResult = DriftAnalyzer.AnalyzeData(reference, two, DriftSettings.Default);
        var oneResult = DriftAnalyzer.AnalyzeData(reference, one, DriftSettings.Default);

        Assert.Equal(2, twoResult.DriftedFeatures);
        Assert.True(twoResult.DatasetDrift);
        Assert.Equal(1, oneResult.DriftedFeatures);
        Assert.False(oneResult.DatasetDrift);
        Assert.True(DriftAnalyzer.AnalyzeData(reference, one, DriftSettings.Default with { DatasetDriftShare = 1.0 / 3 }).DatasetDrift);
    }

    [Fact]
    public void Analyze_FewerRowsThanMinimum_ReportsInsufficientDataAndNoDrift()
    {
        var reference = Reference(800, new Population(), seed: 15);
        var window = Window(reference, 99, new Population(Mean: 90), seed: 16);

        var result = DriftAnalyzer.AnalyzeData(reference, window, DriftSettings.Default);

        Assert.Equal(["income", "plan", "has_support"], result.Features.Select(f => f.Feature)); // else the Assert.All below checks nothing
        Assert.All(result.Features, f => Assert.Equal(FeatureDriftStatus.InsufficientData, f.Status));
        Assert.Equal(0, result.CheckedFeatures);
        Assert.False(result.DatasetDrift);
    }

    [Fact]
    public void Analyze_PerFeatureOverrides_ChangeMethodThresholdOrExclude()
    {
        var reference = Reference(800, new Population(), seed: 17);
        var window = Window(reference, 1000, new Population(Mean: 52), seed: 18);
        var settings = DriftSettings.Default with
        {
            Features = new Dictionary<string, FeatureDriftOverride>
            {
                ["income"] = new() { Method = DriftMethod.Psi, Threshold = 5 },
                ["plan"] = new() { Enabled = false },
                ["has_support"] = new() { Method = DriftMethod.Wasserstein },
            },
        };

        var result = DriftAnalyzer.AnalyzeData(reference, window, settings);

        Assert.Equal(DriftMethod.Psi, result.Features[0].Method);
        Assert.Equal(5, result.Features[0].Threshold);
        Assert.False(result.Features[0].Drifted);
        Assert.Equal(FeatureDriftStatus.Disabled, result.Features[1].Status);
        Assert.Equal(FeatureDriftStatus.Misconfigured, result.Features[2].Status);
        Assert.Equal(1, result.CheckedFeatures);
    }

    [Fact]
    public void AnalyzePredictions_PositiveShareAndScoresMove_PredictionDrifts()
    {
        var reference = Reference(800, new Population(), seed: 19);
        var same = Window(reference, 1000, new Population(), seed: 20);
        var moved = Window(reference, 1000, new Population(Positive: 0.7), seed: 20);

        var none = DriftAnalyzer.AnalyzePredictions(reference, same, DriftSettings.Default)!;
        var drift = DriftAnalyzer.AnalyzePredictions(reference, moved, DriftSettings.Default)!;

        Assert.False(none.Drifted);
        Assert.True(drift.Drifted);
        Assert.True(drift.Labels!.Drifted);
        Assert.True(drift.Scores!.Drifted);
        Assert.Equal(DriftMethod.ChiSquare, drift.Labels.Method);
        Assert.Equal(DriftMethod.KolmogorovSmirnov, drift.Scores.Method);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(2000)]
    public void PValueTests_NoShiftOverRepeatedSeeds_FalsePositiveRateAtMostFivePercent(int windowRows)
    {
        // Each seed draws a fresh reference and window from the same population, and each p-value test (KS, chi-square,
        // z) runs at 0.05. A test of level 0.05 flags 5% of such windows in expectation; the rate observed over N seeds
        // scatters around that by sqrt(.05 * .95 / N) (0.7% at N = 1000), so the assertion allows three of those above
        // 5% and no more. Measured with 2,000 seeds: KS 5.05% / 5.25%, chi-square 5.0% / 4.75%, z 5.65% / 5.6% (200 / 2000
        // rows). The goodness-of-fit chi-square the homogeneity test replaced scored 36% here and fails this test.
        const int Seeds = 1000;
        var tolerance = 3 * Math.Sqrt(0.05 * 0.95 / Seeds);
        var flagged = new int[3];
        for (var seed = 0; seed < Seeds; seed++)
        {
            var reference = Reference(1000, new Population(), seed: 1000 + seed);
            var window = Window(reference, windowRows, new Population(), seed: 5000 + seed);
            var result = DriftAnalyzer.AnalyzeData(reference, window, DriftSettings.Default);
            for (var f = 0; f < 3; f++)
            {
                Assert.True(result.Features[f].Method!.Value.IsPValueTest());
                flagged[f] += result.Features[f].Drifted ? 1 : 0;
            }
        }

        var rates = flagged.Select(n => (double)n / Seeds).ToArray();
        Assert.All(rates, r => Assert.InRange(r, 0, 0.05 + tolerance));
        Assert.InRange(rates.Average(), 0, 0.05 + (tolerance / Math.Sqrt(3)));
        Assert.True(rates.Min() > 0.02, $"False-positive rates {string.Join(", ", rates)}: far below 5%, the tests would be too conservative to detect drift.");
    }

    private static ReferenceProfile Reference(int rows, Population population, int seed)
    {
        var builder = new ReferenceProfileBuilder(Schema);
        var random = new Random(seed);
        foreach (var row in Rows(rows, population, random))
        {
            builder.AddNumeric(0, row.Income);
            builder.AddCategory(1, row.Plan);
            builder.AddBool(2, row.Support);
            builder.EndRow();
            builder.AddPrediction(ModelTask.BinaryClassification, row.Positive ? "1" : "0", row.Score);
        }

        return builder.Build();
    }

    private static WindowProfile Window(ReferenceProfile reference, int rows, Population population, int seed)
    {
        var builder = new WindowProfileBuilder(reference);
        var random = new Random(seed);
        foreach (var row in Rows(rows, population, random))
        {
            builder.AddNumeric(0, row.Income);
            builder.AddCategory(1, row.Plan);
            builder.AddCategory(2, row.Support ? "true" : "false");
            builder.AddPrediction(row.Positive ? "1" : "0", row.Score);
            builder.EndRow();
        }

        return builder.Build();
    }

    private static IEnumerable<(double Income, string Plan, bool Support, bool Positive, double Score)> Rows(int rows, Population p, Random random)
    {
        for (var i = 0; i < rows; i++)
        {
            var income = p.Mean + (p.Sd * DriftStatisticsTests.Normal(random));
            var u = random.NextDouble();
            var plan = u < p.Basic ? "basic" : u < p.Basic + p.Pro ? "pro" : u < p.Basic + p.Pro + p.Team ? "team" : "enterprise";
            var support = random.NextDouble() < p.Support;
            var positive = random.NextDouble() < p.Positive;
            var score = positive ? 0.5 + (0.5 * random.NextDouble()) : 0.5 * random.NextDouble();
            yield return (income, plan, support, positive, score);
        }
    }
}
