namespace MLOps.Domain.Profiles;

/// <summary>A uniform random sample of at most <c>capacity</c> values from a stream of unknown length (Vitter's algorithm R).</summary>
/// <remarks>
/// Reference profiles and live windows keep their numeric samples this way, so KS and Wasserstein compare samples drawn
/// by the same rule; the caller's seeded <see cref="Random"/> makes a sample repeatable.
/// </remarks>
internal sealed class ReservoirSample(int capacity, Random random)
{
    private readonly List<double> _values = new(Math.Min(capacity, 4096));
    private long _seen;

    public void Add(double value)
    {
        _seen++;
        if (_values.Count < capacity)
        {
            _values.Add(value);
            return;
        }

        var j = random.NextInt64(_seen);
        if (j < capacity)
        {
            _values[(int)j] = value;
        }
    }

    /// <summary>The sample, sorted ascending.</summary>
    public double[] ToSortedArray()
    {
        var sorted = _values.ToArray();
        Array.Sort(sorted);
        return sorted;
    }
}
