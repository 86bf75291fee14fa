using System.Buffers.Binary;
using MLOps.Domain.Validation;

namespace MLOps.Functions.Validation;

/// <summary>
/// Counts repeated keys of a uniqueness rule with bounded memory: key hashes are sorted in runs of a fixed size, runs
/// beyond the first are spilled to a temporary file, and duplicates are found in one k-way merge at the end.
/// </summary>
/// <remarks>
/// Keys are 64-bit XxHash3 values, so two different keys collide with probability about n²/2⁶⁵ (for 30 million rows, a
/// 1 GB file, about 2.4·10⁻⁵): a collision can only add a false duplicate, never hide a real one. Memory is
/// 16 bytes × <c>runSize</c>; disk is 16 bytes per row, deleted on dispose.
/// </remarks>
public sealed class SpillingDuplicateKeyCounter(int runSize, string? directory) : IDuplicateKeyCounter
{
    private readonly Entry[] _run = new Entry[Math.Max(16, runSize)];
    private readonly List<(long Offset, int Count)> _spilled = [];
    private FileStream? _spill;
    private int _count;

    /// <summary>Runs written to disk so far (for tests and diagnostics).</summary>
    public int SpilledRuns => _spilled.Count;

    public void Add(ulong keyHash, long row)
    {
        if (_count == _run.Length)
        {
            Spill();
        }

        _run[_count++] = new Entry(keyHash, row);
    }

    public DuplicateKeys Finish(int examples)
    {
        Array.Sort(_run, 0, _count);
        var sources = new List<IEnumerator<Entry>> { InMemory(_count).GetEnumerator() };
        foreach (var (offset, count) in _spilled)
        {
            sources.Add(FromDisk(offset, count).GetEnumerator());
        }

        // K-way merge by (hash, row): within a hash, the first row is the original and every later one a duplicate.
        var queue = new PriorityQueue<IEnumerator<Entry>, Entry>();
        foreach (var source in sources)
        {
            if (source.MoveNext())
            {
                queue.Enqueue(source, source.Current);
            }
        }

        long duplicates = 0;
        var found = new List<(long Row, long FirstRow)>();
        ulong? hash = null;
        long first = 0;
        while (queue.TryDequeue(out var source, out var entry))
        {
            if (hash == entry.Hash)
            {
                duplicates++;
                found.Add((entry.Row, first));
                if (found.Count > examples * 4)
                {
                    // Keep the earliest rows only; the list is re-sorted below.
                    found = [.. found.OrderBy(f => f.Row).Take(examples)];
                }
            }
            else
            {
                hash = entry.Hash;
                first = entry.Row;
            }

            if (source.MoveNext())
            {
                queue.Enqueue(source, source.Current);
            }
        }

        foreach (var source in sources)
        {
            source.Dispose();
        }

        return new DuplicateKeys(duplicates, [.. found.OrderBy(f => f.Row).Take(examples)]);
    }

    public void Dispose() => _spill?.Dispose();

    private IEnumerable<Entry> InMemory(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return _run[i];
        }
    }

    private IEnumerable<Entry> FromDisk(long offset, int count)
    {
        var buffer = new byte[16 * 4096];
        var position = offset;
        var left = count;
        while (left > 0)
        {
            var n = Math.Min(left, 4096);
            RandomAccess.Read(_spill!.SafeFileHandle, buffer.AsSpan(0, n * 16), position);
            position += n * 16L;
            left -= n;
            for (var i = 0; i < n; i++)
            {
                yield return new Entry(BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(i * 16)), BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan((i * 16) + 8)));
            }
        }
    }

    private void Spill()
    {
        Array.Sort(_run, 0, _count);
        _spill ??= new FileStream(
            Path.Combine(string.IsNullOrEmpty(directory) ? Path.GetTempPath() : directory, $"mlops-keys-{Guid.NewGuid():N}.bin"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        var offset = _spill.Length;
        _spill.Seek(0, SeekOrigin.End);
        var buffer = new byte[16];
        for (var i = 0; i < _count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer, _run[i].Hash);
            BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(8), _run[i].Row);
            _spill.Write(buffer);
        }

        _spill.Flush();
        _spilled.Add((offset, _count));
        _count = 0;
    }

    private readonly record struct Entry(ulong Hash, long Row) : IComparable<Entry>
    {
        public int CompareTo(Entry other)
        {
            var byHash = Hash.CompareTo(other.Hash);
            return byHash != 0 ? byHash : Row.CompareTo(other.Row);
        }
    }
}
