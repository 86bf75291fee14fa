using MLOps.Domain.Security;

namespace MLOps.Functions.Registry;

/// <summary>A request to point an alias at a version.</summary>
/// <param name="IfMatch">The alias ETag the caller read; the move fails with 412 if the alias changed since.</param>
/// <param name="ExpectedCurrentVersion">The version the caller believes the alias points to; the move fails with 409 otherwise.</param>
public sealed record AliasMoveCommand(
    string Model,
    string Alias,
    int Version,
    string? Reason,
    Principal By,
    string? IfMatch = null,
    int? ExpectedCurrentVersion = null);
