namespace MLOps.Functions.Http.Contracts;

/// <summary>Body of PUT /api/models/{name}/aliases/{alias}.</summary>
public sealed record SetAliasRequest
{
    public required int Version { get; init; }

    public string? Reason { get; init; }

    /// <summary>Optional guard: the move fails with 409 unless the alias still points to this version.</summary>
    public int? ExpectedVersion { get; init; }
}

/// <summary>Optional body of archive and alias removal.</summary>
public sealed record ReasonRequest
{
    public string? Reason { get; init; }
}

/// <summary>Body of PUT /api/models/{name}: what the model is for.</summary>
public sealed record DeclareModelRequest
{
    public string? Description { get; init; }

    public Dictionary<string, string?>? Tags { get; init; }
}
