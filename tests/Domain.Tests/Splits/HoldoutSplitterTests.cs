using MLOps.Domain.Splits;

namespace MLOps.Domain.Tests.Splits;

public sealed class HoldoutSplitterTests
{
    private static string[] Labels(int rows, double positiveShare, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ => random.NextDouble() < positiveShare ? "1" : "0").ToArray();
    }

    [Fact]
    public void Split_SameSeedAndData_IsIdentical()
    {
        var labels = Labels(5000, 0.3, 1);

        var (a, holdoutA) = HoldoutSplitter.Split(42, 0.2, true, labels);
        var (b, holdoutB) = HoldoutSplitter.Split(42, 0.2, true, labels);

        Assert.Equal(holdoutA, holdoutB);
        Assert.Equal(a.HoldoutFingerprint, b.HoldoutFingerprint);
        Assert.Equal(64, a.HoldoutFingerprint!.Length);
    }

    [Fact]
    public void Split_OtherSeed_GivesAnotherHoldout()
    {
        var labels = Labels(5000, 0.3, 1);

        var (a, holdoutA) = HoldoutSplitter.Split(42, 0.2, true, labels);
        var (b, holdoutB) = HoldoutSplitter.Split(43, 0.2, true, labels);

        Assert.NotEqual(a.HoldoutFingerprint, b.HoldoutFingerprint);
        var overlap = holdoutA.Zip(holdoutB).Count(p => p.First && p.Second);
        Assert.InRange(overlap, 100, 300); // independent 20% samples of 5000 share about 200 rows
    }

    [Fact]
    public void Split_Stratified_EachClassKeepsExactlyItsShare()
    {
        var labels = Labels(10_001, 0.07, 2); // imbalanced
        var (record, holdout) = HoldoutSplitter.Split(7, 0.25, true, labels);

        foreach (var cls in new[] { "0", "1" })
        {
            var rows = labels.Count(l => l == cls);
            var held = labels.Where((l, i) => l == cls && holdout[i]).Count();
            Assert.Equal(HoldoutSplitter.Quota(rows, 0.25), held);
            Assert.Equal(Math.Round(rows * 0.25, MidpointRounding.AwayFromZero), held);
            Assert.Equal(new SplitCounts(rows, rows - held, held), record.Strata[cls]);
        }

        Assert.Equal(10_001, record.Rows);
        Assert.Equal(holdout.Count(h => h), record.HoldoutRows);
        Assert.Equal(record.Rows - record.HoldoutRows, record.TrainRows);
        Assert.True(record.Stratified);
        Assert.Equal(HoldoutSplitter.RuleText, record.Rule);
    }

    [Fact]
    public void Split_RareClass_KeepsAtLeastOneRowOnEachSide()
    {
        string[] labels = [.. Enumerable.Repeat("common", 200), "rare", "rare", "single"];

        var (record, _) = HoldoutSplitter.Split(1, 0.1, true, labels);

        Assert.Equal(new SplitCounts(2, 1, 1), record.Strata["rare"]);
        Assert.Equal(new SplitCounts(1, 1, 0), record.Strata["single"]);
    }

    [Fact]
    public void Split_HoldoutIsSpreadOverTheFile_NotTheFirstOrLastRows()
    {
        var labels = Enumerable.Repeat(HoldoutSplitter.AllRows, 10_000).ToArray();
        var (_, holdout) = HoldoutSplitter.Split(3, 0.2, false, labels);

        for (var block = 0; block < 10; block++)
        {
            var held = holdout.Skip(block * 1000).Take(1000).Count(h => h);
            Assert.InRange(held, 150, 250);
        }
    }

    [Fact]
    public void Split_OverManySeeds_EveryRowIsHeldOutAboutAsOftenAsTheFraction()
    {
        var labels = Labels(200, 0.5, 4);
        var counts = new int[labels.Length];
        for (var seed = 0; seed < 2000; seed++)
        {
            var (_, holdout) = HoldoutSplitter.Split(seed, 0.2, true, labels);
            for (var i = 0; i < holdout.Length; i++)
            {
                counts[i] += holdout[i] ? 1 : 0;
            }
        }

        // Binomial(2000, 0.2): mean 400, sd about 18; 6 sd either side.
        Assert.All(counts, c => Assert.InRange(c, 290, 510));
    }

    [Fact]
    public void IsHoldout_MoreRowsThanCounted_Throws()
    {
        var splitter = new HoldoutSplitter(1, 0.5, new Dictionary<string, long> { ["a"] = 1 });
        splitter.IsHoldout(0, "a");

        Assert.Throws<InvalidOperationException>(() => splitter.IsHoldout(1, "a"));
        Assert.Throws<InvalidOperationException>(() => splitter.IsHoldout(2, "b"));
    }

    [Fact]
    public void IsHoldout_StreamedPass_MatchesTheInMemorySplitAndCompletes()
    {
        var labels = Labels(3000, 0.4, 9);
        var (_, expected) = HoldoutSplitter.Split(11, 0.3, true, labels);
        var counts = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => (long)g.Count());

        var splitter = new HoldoutSplitter(11, 0.3, counts);
        var streamed = labels.Select((l, i) => splitter.IsHoldout(i, l)).ToArray();

        Assert.Equal(expected, streamed);
        Assert.True(splitter.IsComplete);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Constructor_FractionOutsideOpenInterval_Throws(double fraction)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HoldoutSplitter(1, fraction, new Dictionary<string, long>()));
    }
}
