using MLOps.Domain.Features;

namespace MLOps.Domain.Registry;

/// <summary>What a caller says about a model version when registering it.</summary>
public sealed record VersionMetadata
{
    public string? Description { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    public ModelTask Task { get; init; }

    public FeatureSchema? Features { get; init; }

    public Lineage Lineage { get; init; } = new();

    public IReadOnlyList<string>? ClassLabels { get; init; }
}
