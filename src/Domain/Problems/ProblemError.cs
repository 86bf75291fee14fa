namespace MLOps.Domain.Problems;

/// <summary>One concrete thing wrong with a request: which field, which row, and what.</summary>
/// <param name="Field">The field, part or JSON path the error is about, when there is one.</param>
/// <param name="Row">The zero-based row of a batch, when the error is about one row.</param>
/// <param name="Message">What is wrong, in words a caller can act on.</param>
public sealed record ProblemError(string? Field, int? Row, string Message);
