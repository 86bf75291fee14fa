using MLOps.Domain.Policies;
using MLOps.Domain.Retraining;

namespace MLOps.Domain.Tests.Retraining;

public sealed class RetrainingRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly ModelPolicy Automatic = new() { RetrainOnDrift = true, RetrainOnNewData = true, RetrainCooldown = TimeSpan.FromHours(24) };

    private static RetrainingRequest Request(RetrainingReason reason) => new("churn", reason, "test", null, "DriftCheck");

    private static RetrainingRecord Record(DateTimeOffset at, RetrainingStatus status = RetrainingStatus.Recorded) =>
        new("r1", "churn", RetrainingReason.Drift, "earlier", null, "DriftCheck", at, status);

    [Theory]
    [InlineData(RetrainingReason.Drift)]
    [InlineData(RetrainingReason.Decay)]
    [InlineData(RetrainingReason.NewData)]
    public void Check_DefaultPolicy_SuppressesAutomaticRequests(RetrainingReason reason)
    {
        var result = RetrainingRules.Check(ModelPolicy.Default, Request(reason), null, null, Now);

        Assert.NotNull(result);
        Assert.Contains("policy", result.Value.Because, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_AllowedAndNothingBefore_Proceeds() =>
        Assert.Null(RetrainingRules.Check(Automatic, Request(RetrainingReason.Drift), null, null, Now));

    [Fact]
    public void Check_WithinCooldown_IsSuppressedUntilItEnds()
    {
        var last = Record(Now.AddHours(-23));

        var result = RetrainingRules.Check(Automatic, Request(RetrainingReason.Drift), last, null, Now);

        Assert.NotNull(result);
        Assert.StartsWith("cooldown", result.Value.Because, StringComparison.Ordinal);
        Assert.Equal(Now.AddHours(1), result.Value.RetryAfter);
    }

    [Fact]
    public void Check_AfterCooldown_Proceeds() =>
        Assert.Null(RetrainingRules.Check(Automatic, Request(RetrainingReason.NewData), Record(Now.AddHours(-24)), null, Now));

    [Fact]
    public void Check_Manual_SkipsPolicyAndCooldown() =>
        Assert.Null(RetrainingRules.Check(ModelPolicy.Default, Request(RetrainingReason.Manual), Record(Now.AddMinutes(-1)), null, Now));

    [Theory]
    [InlineData(RetrainingReason.Manual)]
    [InlineData(RetrainingReason.Drift)]
    public void Check_RunActive_NeverStartsASecond(RetrainingReason reason)
    {
        var result = RetrainingRules.Check(Automatic, Request(reason), null, Record(Now.AddDays(-3), RetrainingStatus.Running), Now);

        Assert.NotNull(result);
        Assert.Contains("still active", result.Value.Because, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(91 * 24)]
    public void PolicyCheck_CooldownOutOfRange_IsAnError(int hours) =>
        Assert.Single(new ModelPolicy { RetrainCooldown = TimeSpan.FromHours(hours) }.Check());
}
