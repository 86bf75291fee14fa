namespace MLOps.Domain.Registry;

/// <summary>Answers "which version did this alias point to at time T" from the recorded moves.</summary>
public static class AliasTimeline
{
    /// <summary>The version the alias pointed to at <paramref name="at"/>, or null if it pointed nowhere.</summary>
    public static int? VersionAt(IEnumerable<AliasMove> moves, DateTimeOffset at)
    {
        AliasMove? last = null;
        foreach (var move in moves.OrderBy(m => m.At))
        {
            if (move.At > at)
            {
                break;
            }

            last = move;
        }

        return last?.ToVersion;
    }
}
