using System.Text.Json;
using System.Text.Json.Serialization;
using MathNet.Numerics.Distributions;
using MLOps.Domain.Drift;
using MLOps.Domain.Features;
using MLOps.Domain.Profiles;
using Xunit.Abstractions;

namespace MLOps.Domain.Tests.Drift;

/// <summary>
/// The two chi-square forms side by side: the homogeneity test (the default) and the goodness of fit (Evidently's form,
/// selectable as "chiSquareGof"), how each is chosen, and their false-positive rates on no-shift data.
/// </summary>
public sealed class ChiSquareFormsTests(ITestOutputHelper output)
{
    private static readonly FeatureSchema Schema = new([new FeatureSpec("plan", FeatureType.String)]);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    [Fact]
    public void Analyze_ModelDefaultForSmallCategorical_IsGoodnessOfFitWithItsOwnThreshold()
    {
        var reference = Reference(800, [0.5, 0.3, 0.2], seed: 1);
        var window = Window(reference, 1000, [0.45, 0.3, 0.25], seed: 2);
        var settings = DriftSettings.Default with
        {
            Methods = new DefaultDriftMethods { SmallCategorical = DriftMethod.ChiSquareGoodnessOfFit },
            Thresholds = new DriftThresholds { ChiSquareGof = 0.01 },
        };

        var plan = DriftAnalyzer.AnalyzeData(reference, window, settings).Features[0];

        var counts = reference.Features[0].Categorical!.Counts;
        var current = window.Features[0].Categories!;
        string[] keys = ["basic", "pro", "team"];
        var expected = DriftStatistics.ChiSquareGoodnessOfFit(keys.Select(k => (double)counts[k]).ToArray(), keys.Select(k => (double)current[k]).ToArray());
        Assert.Equal(DriftMethod.ChiSquareGoodnessOfFit, plan.Method);
        Assert.Equal(0.01, plan.Threshold);
        Assert.Equal(expected.PValue, plan.PValue!.Value, 12);
        Assert.Equal(expected.Statistic, plan.Statistic!.Value, 9);
        Assert.Equal(plan.PValue < 0.01, plan.Drifted);
        Assert.Equal("chiSquareGof", DriftAnalyzer.MethodName(plan.Method!.Value));

        // The homogeneity test on the same counts gives a larger p-value: it knows the reference is a sample too.
        var homogeneity = DriftAnalyzer.AnalyzeData(reference, window, DriftSettings.Default).Features[0];
        Assert.Equal(DriftMethod.ChiSquare, homogeneity.Method);
        Assert.True(homogeneity.PValue > plan.PValue, $"homogeneity p {homogeneity.PValue}, goodness of fit p {plan.PValue}");
    }

    [Fact]
    public void Analyze_FeatureOverrideGoodnessOfFit_NewCategoryDriftsWithAFiniteStatistic()
    {
        var reference = Reference(800, [0.5, 0.3, 0.2], seed: 3);
        var window = Window(reference, 1000, [0.45, 0.25, 0.2, 0.1], seed: 4);
        var settings = DriftSettings.Default with { Features = new Dictionary<string, FeatureDriftOverride> { ["plan"] = new() { Method = DriftMethod.ChiSquareGoodnessOfFit } } };

        var plan = DriftAnalyzer.AnalyzeData(reference, window, settings).Features[0];

        Assert.Equal(DriftMethod.ChiSquareGoodnessOfFit, plan.Method);
        Assert.Equal(0.05, plan.Threshold);
        Assert.True(plan.Drifted);
        Assert.True(double.IsFinite(plan.Statistic!.Value) && plan.Statistic > 100, $"statistic {plan.Statistic}");
        Assert.Equal(["enterprise"], plan.NewCategories!);
    }

    [Fact]
    public void Settings_ChiSquareGofFromJson_RoundTripsAndIsValidated()
    {
        var settings = JsonSerializer.Deserialize<DriftSettings>(
            """{"methods":{"smallCategorical":"chiSquareGof","largeCategorical":"chiSquareGof"},"thresholds":{"chiSquareGof":0.01},"features":{"plan":{"method":"chiSquareGof","threshold":0.2}}}""",
            Json)!;

        Assert.Empty(settings.Check());
        Assert.Equal(DriftMethod.ChiSquareGoodnessOfFit, settings.Methods.SmallCategorical);
        Assert.Equal((DriftMethod.ChiSquareGoodnessOfFit, 0.01), settings.MethodFor("region", ProfileKind.Categorical, 5000));
        Assert.Equal((DriftMethod.ChiSquareGoodnessOfFit, 0.2), settings.MethodFor("plan", ProfileKind.Categorical, 500));
        Assert.Equal((DriftMethod.ZTest, 0.05), settings.MethodFor("flag", ProfileKind.Binary, 500));
        Assert.Contains("\"chiSquareGof\"", JsonSerializer.Serialize(settings, Json), StringComparison.Ordinal);

        var bad = settings with
        {
            Methods = new DefaultDriftMethods { SmallCategorical = DriftMethod.KolmogorovSmirnov, LargeNumeric = DriftMethod.ChiSquareGoodnessOfFit },
            Thresholds = new DriftThresholds { ChiSquareGof = 1.5 },
            Features = new Dictionary<string, FeatureDriftOverride> { ["plan"] = new() { Method = DriftMethod.ChiSquareGoodnessOfFit, Threshold = 1 } },
        };
        Assert.Equal(["thresholds.chiSquareGof", "methods.smallCategorical", "methods.largeNumeric", "features.plan.threshold"], bad.Check().Select(e => e.Field));
    }

    /// <summary>
    /// No-shift false-positive rate of both forms at p &lt; 0.05 over repeated seeds. Each seed draws a reference of
    /// <paramref name="referenceRows"/> and a window of <paramref name="windowRows"/> from one categorical distribution
    /// of <paramref name="categories"/> classes. The homogeneity test stays at its level whatever the sizes; the
    /// goodness of fit treats the reference shares as exact, so its statistic is inflated by about
    /// 1 + window/reference, and its rate follows P(χ²(k−1) &gt; q₀.₉₅ / (1 + window/reference)).
    /// </summary>
    [Theory]
    [InlineData(200, 200, 3)]
    [InlineData(200, 2000, 3)]
    [InlineData(1000, 200, 3)]
    [InlineData(1000, 2000, 3)]
    [InlineData(1000, 10000, 3)]
    [InlineData(200, 2000, 6)]
    [InlineData(1000, 1000, 6)]
    [InlineData(20000, 200, 3)]
    [InlineData(20000, 200, 6)]
    public void FalsePositiveRate_NoShift_HomogeneityAtItsLevelGoodnessOfFitInflatedByTheSizeRatio(int referenceRows, int windowRows, int categories)
    {
        const int Seeds = 2000;
        var tolerance = 3 * Math.Sqrt(0.05 * 0.95 / Seeds);
        var shares = Enumerable.Range(0, categories).Select(i => (double)(categories - i)).ToArray();
        var total = shares.Sum();
        shares = [.. shares.Select(s => s / total)];
        int homogeneity = 0, goodnessOfFit = 0;
        var random = new Random((referenceRows * 31) + windowRows + categories);
        for (var seed = 0; seed < Seeds; seed++)
        {
            var reference = Draw(shares, referenceRows, random);
            var window = Draw(shares, windowRows, random);
            homogeneity += DriftStatistics.ChiSquare(reference, window).PValue < 0.05 ? 1 : 0;
            goodnessOfFit += DriftStatistics.ChiSquareGoodnessOfFit(reference, window).PValue < 0.05 ? 1 : 0;
        }

        var h = (double)homogeneity / Seeds;
        var g = (double)goodnessOfFit / Seeds;
        var df = categories - 1;
        var predicted = 1 - ChiSquared.CDF(df, ChiSquared.InvCDF(df, 0.95) / (1 + ((double)windowRows / referenceRows)));
        output.WriteLine($"| {referenceRows:N0} | {windowRows:N0} | {categories} | {h:P1} | {g:P1} | {predicted:P1} |");

        Assert.InRange(h, 0.02, 0.05 + tolerance);
        var spread = 4 * Math.Sqrt(predicted * (1 - predicted) / Seeds);
        Assert.InRange(g, predicted - spread - 0.01, predicted + spread + 0.01);
    }

    private static double[] Draw(double[] shares, int rows, Random random)
    {
        var counts = new double[shares.Length];
        for (var i = 0; i < rows; i++)
        {
            var u = random.NextDouble();
            var k = 0;
            while (k < shares.Length - 1 && u >= shares[k])
            {
                u -= shares[k];
                k++;
            }

            counts[k]++;
        }

        return counts;
    }

    private static readonly string[] Plans = ["basic", "pro", "team", "enterprise"];

    private static ReferenceProfile Reference(int rows, double[] shares, int seed)
    {
        var builder = new ReferenceProfileBuilder(Schema);
        var random = new Random(seed);
        for (var i = 0; i < rows; i++)
        {
            builder.AddCategory(0, Pick(shares, random));
            builder.EndRow();
        }

        return builder.Build();
    }

    private static WindowProfile Window(ReferenceProfile reference, int rows, double[] shares, int seed)
    {
        var builder = new WindowProfileBuilder(reference);
        var random = new Random(seed);
        for (var i = 0; i < rows; i++)
        {
            builder.AddCategory(0, Pick(shares, random));
            builder.EndRow();
        }

        return builder.Build();
    }

    private static string Pick(double[] shares, Random random)
    {
        var u = random.NextDouble();
        for (var k = 0; k < shares.Length - 1; k++)
        {
            if (u < shares[k])
            {
                return Plans[k];
            }

            u -= shares[k];
        }

        return Plans[shares.Length - 1];
    }
}
