namespace MLOps.Domain.Problems;

/// <summary>How a caller's own text is quoted back in a problem: never more than 64 characters of it unless asked.</summary>
public static class ProblemText
{
    /// <summary>The text as given, cut to <paramref name="max"/> characters with "..." when longer; empty for null.</summary>
    public static string Clip(string? s, int max = 64) => s is null ? string.Empty : s.Length <= max ? s : s[..max] + "...";
}
