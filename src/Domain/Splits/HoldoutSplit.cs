using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MLOps.Domain.Splits;

/// <summary>How a dataset was split into train and holdout rows, recorded with the model so the split can be redone exactly.</summary>
/// <param name="Seed">Seed of the row hash.</param>
/// <param name="HoldoutFraction">Share of each stratum sent to the holdout (rounded per stratum).</param>
/// <param name="Stratified">True for classification: each label keeps its share in both parts.</param>
/// <param name="Rule">The rule in words (see <see cref="HoldoutSplitter"/>), so a reader can redo it without this code.</param>
/// <param name="Rows">Rows split.</param>
/// <param name="TrainRows">Rows in the train part.</param>
/// <param name="HoldoutRows">Rows in the holdout part.</param>
/// <param name="Strata">Per label (classification) or one "all" entry: rows in each part.</param>
/// <param name="HoldoutFingerprint">SHA-256 of the holdout row indices (0-based, int64 little-endian, ascending); equal fingerprints mean equal holdouts.</param>
public sealed record SplitRecord(
    int Seed,
    double HoldoutFraction,
    bool Stratified,
    string Rule,
    long Rows,
    long TrainRows,
    long HoldoutRows,
    IReadOnlyDictionary<string, SplitCounts> Strata,
    string? HoldoutFingerprint);

/// <summary>Rows of one stratum in each part.</summary>
public sealed record SplitCounts(long Rows, long Train, long Holdout);

/// <summary>
/// A deterministic, seeded, optionally stratified train/holdout split decided row by row in one streaming pass.
/// </summary>
/// <remarks>
/// <para>Rule: row <c>i</c> (0-based, file order) of stratum <c>s</c> gets <c>u = SplitMix64(seed XOR SplitMix64(i)) / 2^64</c>, a
/// uniform number in [0, 1) that depends only on the seed and the row index. With <c>n_s</c> rows in the stratum and a quota of
/// <c>m_s = round(fraction · n_s)</c> holdout rows (at least 1 and at most <c>n_s − 1</c> when <c>n_s ≥ 2</c>), the row goes
/// to the holdout when <c>u · (rows of s not yet seen) &lt; (quota of s not yet filled)</c>.</para>
/// <para>That is Knuth's selection sampling (Algorithm S) driven by a hash of the row index instead of a stream of random
/// numbers: every stratum gets exactly its quota, every subset of that size is equally likely, and the same seed, fraction
/// and data always give the same split, whichever pass (training, evaluation, a later audit) recomputes it. It needs the
/// stratum sizes first, which the dataset's first pass counts. Regression uses one stratum ("all").</para>
/// <para>A splitter is stateful: create one per pass and feed every row once, in file order.</para>
/// </remarks>
public sealed class HoldoutSplitter
{
    public const string AllRows = "all";

    public const string RuleText =
        "Row i (0-based, file order) of stratum s goes to the holdout iff u(i) * (rows of s not yet seen) < (holdout quota of s not yet filled), " +
        "where u(i) = SplitMix64(seed XOR SplitMix64(i)) / 2^64 and quota(s) = round(fraction * rows(s)), kept within [1, rows(s) - 1] when rows(s) >= 2 " +
        "(selection sampling, Knuth's Algorithm S, stratified by label for classification).";

    private readonly Dictionary<string, Stratum> _strata;

    public HoldoutSplitter(int seed, double holdoutFraction, IReadOnlyDictionary<string, long> strata)
    {
        if (!(holdoutFraction > 0 && holdoutFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(holdoutFraction), "The holdout fraction must be between 0 and 1 (exclusive).");
        }

        Seed = seed;
        HoldoutFraction = holdoutFraction;
        _strata = new Dictionary<string, Stratum>(StringComparer.Ordinal);
        foreach (var (name, rows) in strata)
        {
            _strata[name] = new Stratum(rows, Quota(rows, holdoutFraction));
        }
    }

    public int Seed { get; }

    public double HoldoutFraction { get; }

    /// <summary>The holdout quota of a stratum of <paramref name="rows"/> rows.</summary>
    public static long Quota(long rows, double fraction)
    {
        if (rows < 2)
        {
            return 0;
        }

        return Math.Clamp((long)Math.Round(fraction * rows, MidpointRounding.AwayFromZero), 1, rows - 1);
    }

    /// <summary>The uniform number in [0, 1) that row <paramref name="rowIndex"/> gets under <paramref name="seed"/>.</summary>
    public static double Uniform(int seed, long rowIndex) =>
        (SplitMix64(unchecked((ulong)seed) ^ SplitMix64(unchecked((ulong)rowIndex))) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Decides the next row; call once per row, in file order.</summary>
    /// <exception cref="InvalidOperationException">More rows of a stratum than counted, or an unknown stratum.</exception>
    public bool IsHoldout(long rowIndex, string stratum)
    {
        if (!_strata.TryGetValue(stratum, out var s))
        {
            throw new InvalidOperationException($"Stratum '{stratum}' was not counted before the split; the data changed between passes.");
        }

        var remaining = s.Rows - s.Seen;
        if (remaining <= 0)
        {
            throw new InvalidOperationException($"Stratum '{stratum}' has more rows than counted ({s.Rows}); the data changed between passes.");
        }

        var holdout = Uniform(Seed, rowIndex) * remaining < s.Quota - s.Taken;
        s.Seen++;
        if (holdout)
        {
            s.Taken++;
        }

        return holdout;
    }

    /// <summary>Whether every row has been seen and every quota filled, as a complete pass guarantees.</summary>
    public bool IsComplete => _strata.Values.All(s => s.Seen == s.Rows && s.Taken == s.Quota);

    /// <summary>Splits a whole sequence of strata in memory and records the result, fingerprint included.</summary>
    public static (SplitRecord Record, bool[] Holdout) Split(int seed, double holdoutFraction, bool stratified, IReadOnlyList<string> strata)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var s in strata)
        {
            counts[s] = counts.GetValueOrDefault(s) + 1;
        }

        var splitter = new HoldoutSplitter(seed, holdoutFraction, counts);
        using var fingerprint = new FingerprintBuilder();
        var holdout = new bool[strata.Count];
        for (var i = 0; i < strata.Count; i++)
        {
            holdout[i] = splitter.IsHoldout(i, strata[i]);
            if (holdout[i])
            {
                fingerprint.Add(i);
            }
        }

        return (splitter.Record(stratified, fingerprint.Finish()), holdout);
    }

    /// <summary>The record of this split (counts from the quotas, which a complete pass fills exactly).</summary>
    public SplitRecord Record(bool stratified, string? fingerprint)
    {
        var strata = _strata.OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(p => p.Key, p => new SplitCounts(p.Value.Rows, p.Value.Rows - p.Value.Quota, p.Value.Quota), StringComparer.Ordinal);
        var rows = strata.Values.Sum(s => s.Rows);
        var holdout = strata.Values.Sum(s => s.Holdout);
        return new SplitRecord(Seed, HoldoutFraction, stratified, RuleText, rows, rows - holdout, holdout, strata, fingerprint);
    }

    private static ulong SplitMix64(ulong x)
    {
        unchecked
        {
            x += 0x9E3779B97F4A7C15UL;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }
    }

    private sealed class Stratum(long rows, long quota)
    {
        public long Rows { get; } = rows;

        public long Quota { get; } = quota;

        public long Seen { get; set; }

        public long Taken { get; set; }
    }
}

/// <summary>SHA-256 over holdout row indices (int64 little-endian, ascending), built incrementally.</summary>
public sealed class FingerprintBuilder : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = new byte[8];

    public void Add(long rowIndex)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer, rowIndex);
        _hash.AppendData(_buffer);
    }

    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();
}
