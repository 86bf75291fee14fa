using System.Text.Json;

namespace MLOps.Domain.Registry;

/// <summary>Where a model version came from: its data, its training parameters and its code.</summary>
public sealed record Lineage(
    string? DatasetUri = null,
    string? DatasetSha256 = null,
    IReadOnlyDictionary<string, JsonElement>? TrainingParameters = null,
    string? CodeVersion = null,
    int? ParentVersion = null);
