namespace MLOps.Domain.Profiles;

/// <summary>Counts the values of a categorical or boolean column, keeping at most <c>maxCategories</c> distinct values.</summary>
public sealed class CategoricalAccumulator(int maxCategories)
{
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private long _other;

    public long Count { get; private set; }

    public long Missing { get; private set; }

    /// <summary>Adds a value; null counts as missing.</summary>
    public void Add(string? value)
    {
        if (value is null)
        {
            Missing++;
            return;
        }

        Count++;
        if (_counts.TryGetValue(value, out var n))
        {
            _counts[value] = n + 1;
        }
        else if (_counts.Count < maxCategories)
        {
            _counts[value] = 1;
        }
        else
        {
            _other++;
        }
    }

    public void Add(bool value) => Add(value ? "true" : "false");

    public void AddMissing() => Missing++;

    public CategoricalSummary Build() => new()
    {
        Counts = new SortedDictionary<string, long>(_counts, StringComparer.Ordinal),
        OtherCount = _other,
    };
}
