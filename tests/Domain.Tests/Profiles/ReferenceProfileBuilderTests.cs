using System.Text.Json;
using MLOps.Domain.Features;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;

namespace MLOps.Domain.Tests.Profiles;

public sealed class ReferenceProfileBuilderTests
{
    private static readonly FeatureSchema Schema = new(
    [
        new FeatureSpec("age", FeatureType.Float),
        new FeatureSpec("plan", FeatureType.String),
        new FeatureSpec("has_support", FeatureType.Bool),
    ]);

    [Fact]
    public void Build_SmallNumericColumn_HasExactMomentsAndCounts()
    {
        var builder = new ReferenceProfileBuilder(Schema, new ReferenceProfileOptions(Bins: 4));
        double[] values = [1, 2, 3, 4, 5, 6, 7, 8, double.NaN];
        foreach (var v in values)
        {
            builder.AddNumeric(0, v);
            builder.AddCategory(1, "basic");
            builder.AddBool(2, true);
            builder.EndRow();
        }

        var profile = builder.Build();
        var age = profile.Feature("age")!;

        Assert.Equal(9, profile.Rows);
        Assert.Equal(ProfileKind.Numeric, age.Kind);
        Assert.Equal(8, age.Count);
        Assert.Equal(1, age.Missing);
        Assert.Equal(4.5, age.Numeric!.Mean, 12);
        Assert.Equal(Math.Sqrt(6.0), age.Numeric.StdDev, 12); // sample variance of 1..8 is 6
        Assert.Equal(1, age.Numeric.Min);
        Assert.Equal(8, age.Numeric.Max);
        Assert.Equal([2.0, 4, 6], age.Numeric.BinEdges); // numpy.quantile([1..8], [.25,.5,.75], method='inverted_cdf')
        Assert.Equal([2L, 2, 2, 2], age.Numeric.BinCounts);
        Assert.Equal(1.0 / 9, age.MissingFraction, 12);
    }

    [Theory]
    [InlineData(-100.0, 0)]
    [InlineData(2.75, 0)]
    [InlineData(2.7500001, 1)]
    [InlineData(4.5, 1)]
    [InlineData(6.25, 2)]
    [InlineData(1e9, 3)]
    public void BinOf_Value_FallsInOpenEndedBinClosedOnTheRight(double value, int expected)
    {
        var summary = new NumericSummary { Min = 1, Max = 8, Mean = 4.5, StdDev = 1, BinEdges = [2.75, 4.5, 6.25], BinCounts = [2, 2, 2, 2], Sample = [] };

        Assert.Equal(expected, summary.BinOf(value));
    }

    [Fact]
    public void Build_MoreRowsThanSample_ScalesCountsToTheTotalAndKeepsTheSampleBounded()
    {
        var options = new ReferenceProfileOptions(Bins: 10, SampleSize: 1000);
        var builder = new ReferenceProfileBuilder(Schema, options);
        var random = new Random(3);
        for (var i = 0; i < 100_000; i++)
        {
            builder.AddNumeric(0, random.NextDouble() * 100);
            builder.AddCategory(1, "basic");
            builder.AddBool(2, false);
            builder.EndRow();
        }

        var age = builder.Build().Feature("age")!.Numeric!;

        Assert.Equal(1000, age.Sample.Count);
        Assert.Equal(100_000, age.BinCounts.Sum());
        Assert.Equal(9, age.BinEdges.Count);
        Assert.All(age.BinCounts, c => Assert.InRange(c, 8_000, 12_000));
        Assert.Equal(50, age.Mean, 0);
        Assert.Equal(age.Sample.Order().ToList(), age.Sample);
    }

    [Fact]
    public void Build_SameDataTwice_GivesTheSameSample()
    {
        static ReferenceProfile Run()
        {
            var builder = new ReferenceProfileBuilder(Schema, new ReferenceProfileOptions(SampleSize: 50));
            for (var i = 0; i < 5000; i++)
            {
                builder.AddNumeric(0, i);
                builder.AddCategory(1, "x");
                builder.AddBool(2, true);
                builder.EndRow();
            }

            return builder.Build();
        }

        Assert.Equal(Run().Feature("age")!.Numeric!.Sample, Run().Feature("age")!.Numeric!.Sample);
    }

    [Fact]
    public void Build_RepeatedValues_MergesBinsInsteadOfRepeatingEdges()
    {
        var builder = new ReferenceProfileBuilder(Schema);
        foreach (var v in Enumerable.Repeat(1.0, 90).Concat(Enumerable.Repeat(2.0, 10)))
        {
            builder.AddNumeric(0, v);
        }

        var age = builder.Build().Feature("age")!.Numeric!;

        Assert.Equal([1.0], age.BinEdges);
        Assert.Equal([90L, 10], age.BinCounts);
    }

    [Fact]
    public void Build_Categories_CountedUpToTheCapThenOther()
    {
        var builder = new ReferenceProfileBuilder(Schema, new ReferenceProfileOptions(MaxCategories: 2));
        foreach (var v in new[] { "a", "b", "a", "c", "d", null })
        {
            builder.AddCategory(1, v);
        }

        builder.AddBool(2, true);
        builder.AddBool(2, true);
        builder.AddBool(2, false);
        var profile = builder.Build();
        var plan = profile.Feature("plan")!;

        Assert.Equal(ProfileKind.Categorical, plan.Kind);
        Assert.Equal(new Dictionary<string, long> { ["a"] = 2, ["b"] = 1 }, plan.Categorical!.Counts);
        Assert.Equal(2, plan.Categorical.OtherCount);
        Assert.Equal(5, plan.Count);
        Assert.Equal(1, plan.Missing);
        Assert.Equal(ProfileKind.Binary, profile.Feature("has_support")!.Kind);
        Assert.Equal(new Dictionary<string, long> { ["false"] = 1, ["true"] = 2 }, profile.Feature("has_support")!.Categorical!.Counts);
    }

    [Fact]
    public void AddBatch_ValidatedBatch_ProfilesEveryColumn()
    {
        var batch = new FeatureBatch(Schema, 3, [new float[] { 1, 2, 3 }, new string?[] { "a", "a", "b" }, new[] { true, false, true }]);
        var builder = new ReferenceProfileBuilder(Schema);

        builder.AddBatch(batch);
        var profile = builder.Build();

        Assert.Equal(3, profile.Rows);
        Assert.Equal(2, profile.Feature("age")!.Numeric!.Mean, 12);
        Assert.Equal(2, profile.Feature("plan")!.Categorical!.Counts["a"]);
    }

    [Fact]
    public void Build_Predictions_KeepsLabelsAndScores()
    {
        var builder = new ReferenceProfileBuilder(Schema);
        builder.AddPrediction(ModelTask.BinaryClassification, "1", 0.9);
        builder.AddPrediction(ModelTask.BinaryClassification, "0", 0.2);
        builder.AddPrediction(ModelTask.BinaryClassification, "0", 0.1);

        var predictions = builder.Build().Predictions!;

        Assert.Equal(2, predictions.Labels!.Counts["0"]);
        Assert.Equal(0.4, predictions.Scores!.Mean, 12);
    }

    [Fact]
    public void Profile_JsonRoundTrip_KeepsEverything()
    {
        var builder = new ReferenceProfileBuilder(Schema);
        for (var i = 0; i < 100; i++)
        {
            builder.AddNumeric(0, i);
            builder.AddCategory(1, i % 3 == 0 ? "a" : "b");
            builder.AddBool(2, i % 2 == 0);
            builder.AddPrediction(ModelTask.Regression, null, i * 2.0);
            builder.EndRow();
        }

        var profile = builder.Build("https://example/datasets/churn.csv", new string('a', 64), DateTimeOffset.UnixEpoch);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);

        var copy = JsonSerializer.Deserialize<ReferenceProfile>(JsonSerializer.Serialize(profile, options), options)!;

        Assert.Equal(profile.Rows, copy.Rows);
        Assert.Equal(profile.Feature("age")!.Numeric!.BinEdges, copy.Feature("age")!.Numeric!.BinEdges);
        Assert.Equal(profile.Feature("age")!.Numeric!.Sample, copy.Feature("age")!.Numeric!.Sample);
        Assert.Equal(profile.Feature("plan")!.Categorical!.Counts, copy.Feature("plan")!.Categorical!.Counts);
        Assert.Null(copy.Predictions!.Labels);
        Assert.Equal(profile.Predictions!.Scores!.Mean, copy.Predictions.Scores!.Mean);
        Assert.Equal(profile.DatasetSha256, copy.DatasetSha256);
    }
}
