namespace MLOps.Domain.Validation;

/// <summary>Counts rows whose key (as a 64-bit hash) was seen before; a host may spill to disk to bound memory.</summary>
public interface IDuplicateKeyCounter : IDisposable
{
    void Add(ulong keyHash, long row);

    /// <summary>The number of rows whose key an earlier row had, and up to <paramref name="examples"/> of them.</summary>
    DuplicateKeys Finish(int examples);
}

/// <summary>What a uniqueness check found.</summary>
/// <param name="Duplicates">Rows whose key an earlier row already had.</param>
/// <param name="Examples">The first duplicates by row, each with the row that had the key first.</param>
public sealed record DuplicateKeys(long Duplicates, IReadOnlyList<(long Row, long FirstRow)> Examples);

/// <summary>An exact, in-memory duplicate counter; the default for tests and small files.</summary>
public sealed class InMemoryDuplicateKeyCounter : IDuplicateKeyCounter
{
    private readonly Dictionary<ulong, long> _first = [];
    private readonly List<(long Row, long FirstRow)> _duplicates = [];
    private long _count;

    public void Add(ulong keyHash, long row)
    {
        if (!_first.TryAdd(keyHash, row))
        {
            _count++;
            if (_duplicates.Count < 20)
            {
                _duplicates.Add((row, _first[keyHash]));
            }
        }
    }

    public DuplicateKeys Finish(int examples) => new(_count, _duplicates.Take(examples).ToList());

    public void Dispose()
    {
    }
}
