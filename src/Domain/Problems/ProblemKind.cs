namespace MLOps.Domain.Problems;

/// <summary>The category of a failure, which decides the HTTP status a host answers with.</summary>
public enum ProblemKind
{
    Validation,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PreconditionFailed,
    PayloadTooLarge,
    UnsupportedMediaType,
    Integrity,
    Unavailable,
}
