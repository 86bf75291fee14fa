namespace MLOps.Domain.Registry;

/// <summary>Where an alias points now. <see cref="ETag"/> is the concurrency token for the next move.</summary>
public sealed record AliasAssignment(
    string Model,
    string Alias,
    int Version,
    DateTimeOffset UpdatedAt,
    string UpdatedBy,
    string? Reason,
    string ETag);
