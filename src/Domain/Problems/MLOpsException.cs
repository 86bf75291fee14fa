namespace MLOps.Domain.Problems;

/// <summary>
/// A failure that a caller can understand and act on; hosts turn it into an RFC 9457 ProblemDetails.
/// </summary>
/// <remarks>
/// Domain and adapters throw this rather than returning HTTP types so that every host maps the
/// same failure to the same status code, title and error list.
/// </remarks>
public class MLOpsException : Exception
{
    public MLOpsException(ProblemKind kind, string title, string detail, IReadOnlyList<ProblemError>? errors = null, Exception? inner = null)
        : base(detail, inner)
    {
        Kind = kind;
        Title = title;
        Errors = errors ?? [];
    }

    public ProblemKind Kind { get; }

    public string Title { get; }

    public string Detail => Message;

    public IReadOnlyList<ProblemError> Errors { get; }

    /// <summary>Extra members for the problem document, such as the current version in a conflict.</summary>
    public IDictionary<string, object?> Extensions { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    public static MLOpsException Validation(string detail, IReadOnlyList<ProblemError>? errors = null) =>
        new(ProblemKind.Validation, "The request is invalid.", detail, errors);

    public static MLOpsException NotFound(string detail) =>
        new(ProblemKind.NotFound, "Not found.", detail);

    public static MLOpsException Conflict(string detail) =>
        new(ProblemKind.Conflict, "Conflict.", detail);

    public static MLOpsException TooLarge(string detail) =>
        new(ProblemKind.PayloadTooLarge, "Payload too large.", detail);
}
