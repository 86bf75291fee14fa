namespace MLOps.Domain.Profiles;

/// <summary>Summarises a stream of numeric values in bounded memory: moments, range and a uniform reservoir sample.</summary>
/// <remarks>
/// Welford's update keeps mean and variance stable over millions of values; Vitter's algorithm R keeps a uniform
/// sample of at most <c>sampleSize</c> values, from which the quantile bin edges are read at the end.
/// </remarks>
public sealed class NumericAccumulator(int sampleSize, Random random)
{
    private readonly ReservoirSample _sample = new(sampleSize, random);
    private double _mean;
    private double _m2;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;

    public long Count { get; private set; }

    public long Missing { get; private set; }

    /// <summary>Adds a value; NaN and infinities count as missing.</summary>
    public void Add(double value)
    {
        if (!double.IsFinite(value))
        {
            Missing++;
            return;
        }

        Count++;
        var delta = value - _mean;
        _mean += delta / Count;
        _m2 += delta * (value - _mean);
        _min = Math.Min(_min, value);
        _max = Math.Max(_max, value);
        _sample.Add(value);
    }

    public void AddMissing() => Missing++;

    /// <summary>The summary with <paramref name="bins"/> quantile bins (fewer when values repeat); null when no value was seen.</summary>
    public NumericSummary? Build(int bins)
    {
        if (Count == 0)
        {
            return null;
        }

        var sorted = _sample.ToSortedArray();
        var edges = QuantileEdges(sorted, bins);
        var counts = new long[edges.Length + 1];
        var summary = new NumericSummary
        {
            Min = _min,
            Max = _max,
            Mean = _mean,
            StdDev = Count > 1 ? Math.Sqrt(_m2 / (Count - 1)) : 0,
            BinEdges = edges,
            BinCounts = counts,
            Sample = sorted,
        };

        foreach (var v in sorted)
        {
            counts[summary.BinOf(v)]++;
        }

        if (Count > sorted.Length)
        {
            ScaleCounts(counts, sorted.Length, Count);
        }

        return summary;
    }

    /// <summary>Interior edges at the k/bins quantiles, strictly ascending.</summary>
    /// <remarks>
    /// Edges are data values (the inverted-CDF quantile, numpy's <c>method="inverted_cdf"</c>), not interpolations between
    /// them: with discrete or repeated values an interpolated edge would open bins that no value can fall in.
    /// </remarks>
    internal static double[] QuantileEdges(double[] sorted, int bins)
    {
        var edges = new List<double>(bins);
        for (var k = 1; k < bins; k++)
        {
            var q = Quantile(sorted, (double)k / bins);
            // An edge at the maximum would leave the last bin empty by construction; repeated values merge bins.
            if (q < sorted[^1] && (edges.Count == 0 || q > edges[^1]))
            {
                edges.Add(q);
            }
        }

        return [.. edges];
    }

    internal static double Quantile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling((p * sorted.Length) - 1e-9) - 1, 0, sorted.Length - 1)];

    private static void ScaleCounts(long[] counts, long sampleTotal, long total)
    {
        long assigned = 0;
        var largest = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = (long)Math.Round((double)counts[i] * total / sampleTotal);
            assigned += counts[i];
            if (counts[i] > counts[largest])
            {
                largest = i;
            }
        }

        // Rounding can miss the total by a few rows; the largest bin absorbs the difference.
        counts[largest] += total - assigned;
    }
}
