namespace MLOps.Domain.Registry;

/// <summary>A model name with its latest version number and where its aliases point.</summary>
public sealed record RegisteredModel(
    string Name,
    DateTimeOffset CreatedAt,
    int LatestVersion,
    IReadOnlyDictionary<string, int> Aliases);
