using MLOps.Domain.Features;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Signatures;

namespace MLOps.Domain.Tests.Registry;

public sealed class RegistryRulesTests
{
    [Theory]
    [InlineData("churn")]
    [InlineData("churn-v2_model")]
    [InlineData("9lives")]
    public void EnsureModelName_ValidName_Passes(string name) => RegistryRules.EnsureModelName(name);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("Churn")]
    [InlineData("-churn")]
    [InlineData("churn/../x")]
    [InlineData("churn model")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void EnsureModelName_InvalidName_IsValidationError(string? name)
    {
        var ex = Assert.Throws<MLOpsException>(() => RegistryRules.EnsureModelName(name));
        Assert.Equal(ProblemKind.Validation, ex.Kind);
    }

    [Fact]
    public void EnsureCanTakeAlias_ArchivedVersion_IsConflict()
    {
        var ex = Assert.Throws<MLOpsException>(() => RegistryRules.EnsureCanTakeAlias(Version(3, ModelVersionStatus.Archived), "champion"));
        Assert.Equal(ProblemKind.Conflict, ex.Kind);
    }

    [Fact]
    public void EnsureCanArchive_VersionHoldingAlias_IsConflictNamingAlias()
    {
        var aliases = new Dictionary<string, int> { ["champion"] = 3, ["challenger"] = 4 };
        var ex = Assert.Throws<MLOpsException>(() => RegistryRules.EnsureCanArchive(Version(3, ModelVersionStatus.Active), aliases));
        Assert.Contains("champion", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureCanArchive_UnaliasedActiveVersion_Passes() =>
        RegistryRules.EnsureCanArchive(Version(2, ModelVersionStatus.Active), new Dictionary<string, int> { ["champion"] = 3 });

    [Fact]
    public void VersionAt_ReplaysMovesInTimeOrder()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        AliasMove[] moves =
        [
            new("m", "champion", 1, 2, t0.AddHours(2), "ops", null),
            new("m", "champion", null, 1, t0, "ops", null),
            new("m", "champion", 2, null, t0.AddHours(3), "ops", "removed"),
        ];

        Assert.Null(AliasTimeline.VersionAt(moves, t0.AddMinutes(-1)));
        Assert.Equal(1, AliasTimeline.VersionAt(moves, t0));
        Assert.Equal(1, AliasTimeline.VersionAt(moves, t0.AddHours(1)));
        Assert.Equal(2, AliasTimeline.VersionAt(moves, t0.AddHours(2.5)));
        Assert.Null(AliasTimeline.VersionAt(moves, t0.AddHours(4)));
    }

    private static ModelVersion Version(int number, ModelVersionStatus status) => new()
    {
        Model = "churn",
        Version = number,
        Status = status,
        Sha256 = new string('a', 64),
        SizeBytes = 10,
        ArtifactPath = "churn/x.onnx",
        CreatedAt = DateTimeOffset.UnixEpoch,
        CreatedBy = "test",
        Signature = new ModelSignature(8, new Dictionary<string, long>(), null, [], [], null),
        Metadata = new VersionMetadata { Features = new FeatureSchema([new("a", FeatureType.Float)]) },
    };
}
