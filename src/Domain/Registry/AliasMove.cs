namespace MLOps.Domain.Registry;

/// <summary>One recorded move of an alias: who moved it, when, from which version to which, and why.</summary>
/// <param name="FromVersion">Null when the alias was created by this move.</param>
/// <param name="ToVersion">Null when the alias was removed by this move.</param>
public sealed record AliasMove(
    string Model,
    string Alias,
    int? FromVersion,
    int? ToVersion,
    DateTimeOffset At,
    string By,
    string? Reason);
