namespace MLOps.Domain.Registry;

/// <summary>A model: its latest version number (0 while it is only declared), where its aliases point, and what it is.</summary>
public sealed record RegisteredModel(
    string Name,
    DateTimeOffset CreatedAt,
    int LatestVersion,
    IReadOnlyDictionary<string, int> Aliases,
    string? Description = null,
    IReadOnlyDictionary<string, string>? Tags = null);
