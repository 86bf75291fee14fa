using MLOps.Functions.Scoring;

namespace MLOps.Functions.Tests.Scoring;

public sealed class PredictionIdTests
{
    [Fact]
    public void New_CarriesItsTimeToTheMillisecond()
    {
        var at = new DateTimeOffset(2026, 11, 30, 12, 34, 56, 789, TimeSpan.Zero);

        var id = PredictionId.New(at);

        Assert.Equal(28, id.Length);
        Assert.Matches("^[0-9a-f]{28}$", id);
        Assert.True(PredictionId.TryGetTime(id, out var back));
        Assert.Equal(at, back);
    }

    [Fact]
    public void New_ManyInTheSameMillisecond_AreDistinct()
    {
        var at = DateTimeOffset.UnixEpoch.AddDays(20_000);

        var ids = Enumerable.Range(0, 200_000).AsParallel().Select(_ => PredictionId.New(at)).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-id")]
    [InlineData("zzzzzzzzzzzz0000000000000000")]
    public void TryGetTime_Malformed_IsFalse(string id) => Assert.False(PredictionId.TryGetTime(id, out _));
}
