namespace MLOps.Domain.Problems;

/// <summary>How a caller's own text is quoted back in a problem: never more than 64 characters of it.</summary>
public static class ProblemText
{
    /// <summary>The text as given, cut to 64 characters with "..." when longer; empty for null.</summary>
    public static string Clip(string? s) => s is null ? string.Empty : s.Length <= 64 ? s : s[..64] + "...";
}
