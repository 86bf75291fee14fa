using MLOps.Domain.Features;
using MLOps.Domain.Signatures;

namespace MLOps.Domain.Registry;

/// <summary>One immutable registered artifact of a model, with everything known about it.</summary>
/// <remarks>Only <see cref="Status"/> and the archive fields change after registration.</remarks>
public sealed record ModelVersion
{
    public required string Model { get; init; }

    public required int Version { get; init; }

    public required ModelVersionStatus Status { get; init; }

    public required string Sha256 { get; init; }

    public required long SizeBytes { get; init; }

    public required string ArtifactPath { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    public required ModelSignature Signature { get; init; }

    public required VersionMetadata Metadata { get; init; }

    /// <summary>The schema records are checked against: the registered one, or one derived from the inputs.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public FeatureSchema? Features => Metadata.Features;

    public DateTimeOffset? ArchivedAt { get; init; }

    public string? ArchivedBy { get; init; }

    public string? ArchiveReason { get; init; }
}
