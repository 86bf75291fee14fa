namespace MLOps.Functions.Scoring;

/// <summary>Prediction ids that sort by time and carry it, so feedback can find its row's log segment.</summary>
/// <remarks>
/// 12 hex digits of Unix milliseconds followed by 16 random hex digits (64 bits): unique without
/// coordination across instances, and the time needs no lookup. The random part comes from <see cref="Random.Shared"/>
/// (seeded from the OS per process): ids must not collide, but they are not secrets, and a cryptographic generator
/// per row cost more than the rest of building the answer.
/// </remarks>
public static class PredictionId
{
    public static string New(DateTimeOffset at)
    {
        return string.Create(28, (at.ToUnixTimeMilliseconds(), (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue)), static (span, state) =>
        {
            state.Item1.TryFormat(span[..12], out _, "x12", System.Globalization.CultureInfo.InvariantCulture);
            state.Item2.TryFormat(span[12..], out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
        });
    }

    public static bool TryGetTime(string id, out DateTimeOffset at)
    {
        at = default;
        if (id.Length != 28 || !long.TryParse(id.AsSpan(0, 12), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var ms))
        {
            return false;
        }

        at = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        return true;
    }
}
