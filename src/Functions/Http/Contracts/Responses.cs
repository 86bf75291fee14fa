using MLOps.Domain.Features;
using MLOps.Domain.Registry;
using MLOps.Domain.Signatures;

namespace MLOps.Functions.Http.Contracts;

/// <summary>A model version as the API shows it; the metadata keeps the shape it was registered in.</summary>
public sealed record ModelVersionResponse(
    string Model,
    int Version,
    string Status,
    string Sha256,
    long SizeBytes,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string? Description,
    IReadOnlyDictionary<string, string> Tags,
    ModelTask Task,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<FeatureResponse>? Features,
    string? Input,
    Lineage Lineage,
    IReadOnlyList<string>? ClassLabels,
    ModelSignature Signature,
    DateTimeOffset? ArchivedAt,
    string? ArchivedBy,
    string? ArchiveReason)
{
    public static ModelVersionResponse From(ModelVersion v) => new(
        v.Model,
        v.Version,
        v.Status == ModelVersionStatus.Active ? "active" : "archived",
        v.Sha256,
        v.SizeBytes,
        v.CreatedAt,
        v.CreatedBy,
        v.Metadata.Description,
        v.Metadata.Tags,
        v.Metadata.Task,
        v.Metadata.Metrics,
        v.Metadata.Features?.Features.Select(FeatureResponse.From).ToList(),
        v.Metadata.Features?.PackedInput,
        v.Metadata.Lineage,
        v.Metadata.ClassLabels ?? v.Signature.ClassLabels,
        v.Signature,
        v.ArchivedAt,
        v.ArchivedBy,
        v.ArchiveReason);
}

public sealed record FeatureResponse(string Name, string Type, double? Min, double? Max, IReadOnlyList<string>? Categories, bool Nullable)
{
    public static FeatureResponse From(FeatureSpec f) => new(f.Name, f.Type.ToName(), f.Min, f.Max, f.Categories, f.Nullable);
}

public sealed record ModelResponse(
    string Name, DateTimeOffset CreatedAt, int LatestVersion, IReadOnlyDictionary<string, int> Aliases, string? Description, IReadOnlyDictionary<string, string>? Tags)
{
    public static ModelResponse From(RegisteredModel m) => new(m.Name, m.CreatedAt, m.LatestVersion, m.Aliases, m.Description, m.Tags);
}

public sealed record AliasResponse(string Model, string Alias, int Version, DateTimeOffset UpdatedAt, string UpdatedBy, string? Reason, string ETag)
{
    public static AliasResponse From(AliasAssignment a) => new(a.Model, a.Alias, a.Version, a.UpdatedAt, a.UpdatedBy, a.Reason, a.ETag);
}

/// <summary>The answer to "where did this alias point at time T".</summary>
public sealed record AliasAtResponse(string Model, string Alias, DateTimeOffset At, int? Version);

public sealed record ListResponse<T>(IReadOnlyList<T> Items, int Count)
{
    public ListResponse(IReadOnlyList<T> items)
        : this(items, items.Count)
    {
    }
}
