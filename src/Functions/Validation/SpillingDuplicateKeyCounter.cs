using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using MLOps.Domain.Validation;

namespace MLOps.Functions.Validation;

/// <summary>
/// Counts repeated keys of a uniqueness rule with bounded memory: key hashes are sorted in runs of a fixed size, runs
/// beyond the first are spilled to a temporary file, and duplicates are found in one pass (a k-way merge when runs were
/// spilled) at the end.
/// </summary>
/// <remarks>
/// <para>
/// Keys are 64-bit XxHash3 values, so two different keys collide with probability about n²/2⁶⁵ (for 30 million rows, a
/// 1 GB file, about 2.4·10⁻⁵): a collision can only add a false duplicate, never hide a real one.
/// </para>
/// <para>
/// Memory is 16 bytes × <c>runSize</c> at most (hashes and rows in two arrays, grown on demand, so a small file does not
/// pay for a full run; up to 1.5 times that while an array grows); disk is 16 bytes per row beyond the first run, deleted
/// on dispose. The arrays are sorted with <see cref="Array.Sort{TKey, TValue}(TKey[], TValue[], int, int)"/> on the
/// primitive hash, which is much cheaper than sorting pairs through a comparer.
/// </para>
/// </remarks>
public sealed class SpillingDuplicateKeyCounter(int runSize, string? directory) : IDuplicateKeyCounter
{
    private const int InitialCapacity = 4096;
    private const int EntryBytes = 16;
    private const int BlockEntries = 4096;
    private const int PartitionThreshold = 1 << 16;

    private readonly int _runSize = Math.Max(16, runSize);
    private readonly List<(long Offset, int Count)> _spilled = [];
    private ulong[] _hashes = [];
    private long[] _rows = [];
    private FileStream? _spill;
    private int _count;

    /// <summary>Runs written to disk so far (for tests and diagnostics).</summary>
    public int SpilledRuns => _spilled.Count;

    /// <summary>Entries the in-memory run can hold now (for tests: it grows with the file, up to the run size).</summary>
    public int Capacity => _hashes.Length;

    public void Add(ulong keyHash, long row)
    {
        if (_count == _hashes.Length)
        {
            if (_count == _runSize)
            {
                Spill();
            }
            else
            {
                var size = (int)Math.Min(_runSize, Math.Max(InitialCapacity, 2L * _hashes.Length));
                Array.Resize(ref _hashes, size);
                Array.Resize(ref _rows, size);
            }
        }

        _hashes[_count] = keyHash;
        _rows[_count] = row;
        _count++;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public DuplicateKeys Finish(int examples)
    {
        SortRun();
        var duplicates = new DuplicateScan(examples);
        if (_spilled.Count == 0)
        {
            // One run: it is already in (hash, row) order.
            for (var i = 0; i < _count; i++)
            {
                duplicates.Next(_hashes[i], _rows[i]);
            }

            return duplicates.Result();
        }

        // K-way merge by (hash, row) of the run in memory and the runs on disk.
        var sources = new List<Run> { new MemoryRun(_hashes, _rows, _count) };
        sources.AddRange(_spilled.Select(s => new DiskRun(_spill!, s.Offset, s.Count)));
        var queue = new PriorityQueue<Run, (ulong Hash, long Row)>();
        foreach (var source in sources.Where(s => s.MoveNext()))
        {
            queue.Enqueue(source, (source.Hash, source.Row));
        }

        while (queue.TryDequeue(out var source, out var entry))
        {
            duplicates.Next(entry.Hash, entry.Row);
            if (source.MoveNext())
            {
                queue.Enqueue(source, (source.Hash, source.Row));
            }
        }

        return duplicates.Result();
    }

    public void Dispose() => _spill?.Dispose();

    /// <summary>Sorts the run by hash, then the rows of equal hashes by row (the sort is not stable).</summary>
    /// <remarks>
    /// A large run is first partitioned in place by the top 8 bits of the hash (hashes are uniform, so the 256 buckets are
    /// even), then each bucket is sorted on its own: the buckets fit in the CPU cache, where one sort over the whole run
    /// would stream it from memory at every level. Called once per run, so tiered compilation would leave the loops
    /// unoptimised: the method is compiled optimised at once.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SortRun()
    {
        if (_count < PartitionThreshold)
        {
            Array.Sort(_hashes, _rows, 0, _count);
        }
        else
        {
            var starts = PartitionByTopByte();
            for (var b = 0; b < 256; b++)
            {
                Array.Sort(_hashes, _rows, starts[b], starts[b + 1] - starts[b]);
            }
        }

        for (var i = 0; i < _count;)
        {
            var end = i + 1;
            while (end < _count && _hashes[end] == _hashes[i])
            {
                end++;
            }

            if (end - i > 1)
            {
                Array.Sort(_rows, i, end - i);
            }

            i = end;
        }
    }

    /// <summary>Moves every entry into the bucket of its hash's top byte (in place, by cycles); returns the bucket starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int[] PartitionByTopByte()
    {
        var starts = new int[257];
        for (var i = 0; i < _count; i++)
        {
            starts[(int)(_hashes[i] >> 56) + 1]++;
        }

        for (var b = 0; b < 256; b++)
        {
            starts[b + 1] += starts[b];
        }

        // next[b]: the first slot of bucket b not yet known to hold one of its own entries.
        var next = starts[..256];
        for (var b = 0; b < 256; b++)
        {
            while (next[b] < starts[b + 1])
            {
                var at = next[b];
                var (hash, row) = (_hashes[at], _rows[at]);
                var home = (int)(hash >> 56);
                while (home != b)
                {
                    // Swap the entry into its bucket and carry on with the one it displaces.
                    var slot = next[home]++;
                    (hash, _hashes[slot]) = (_hashes[slot], hash);
                    (row, _rows[slot]) = (_rows[slot], row);
                    home = (int)(hash >> 56);
                }

                (_hashes[at], _rows[at]) = (hash, row);
                next[b]++;
            }
        }

        return starts;
    }

    private void Spill()
    {
        SortRun();
        _spill ??= new FileStream(
            Path.Combine(string.IsNullOrEmpty(directory) ? Path.GetTempPath() : directory, $"mlops-keys-{Guid.NewGuid():N}.bin"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        var offset = _spill.Seek(0, SeekOrigin.End);
        var block = new byte[EntryBytes * BlockEntries];
        for (var start = 0; start < _count; start += BlockEntries)
        {
            var n = Math.Min(BlockEntries, _count - start);
            for (var i = 0; i < n; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(i * EntryBytes), _hashes[start + i]);
                BinaryPrimitives.WriteInt64LittleEndian(block.AsSpan((i * EntryBytes) + 8), _rows[start + i]);
            }

            _spill.Write(block, 0, n * EntryBytes);
        }

        _spill.Flush();
        _spilled.Add((offset, _count));
        _count = 0;
    }

    /// <summary>Walks entries in (hash, row) order: within a hash the first row is the original, every later one a duplicate.</summary>
    private sealed class DuplicateScan(int examples)
    {
        private List<(long Row, long FirstRow)> _found = [];
        private long _duplicates;
        private ulong _hash;
        private long _first;
        private bool _started;

        public void Next(ulong hash, long row)
        {
            if (_started && hash == _hash)
            {
                _duplicates++;
                _found.Add((row, _first));
                if (_found.Count > Math.Max(16, examples * 4))
                {
                    // Keep the earliest rows only.
                    _found = [.. _found.OrderBy(f => f.Row).Take(examples)];
                }

                return;
            }

            (_started, _hash, _first) = (true, hash, row);
        }

        public DuplicateKeys Result() => new(_duplicates, [.. _found.OrderBy(f => f.Row).Take(examples)]);
    }

    private abstract class Run
    {
        public ulong Hash { get; protected set; }

        public long Row { get; protected set; }

        public abstract bool MoveNext();
    }

    private sealed class MemoryRun(ulong[] hashes, long[] rows, int count) : Run
    {
        private int _next;

        public override bool MoveNext()
        {
            if (_next == count)
            {
                return false;
            }

            (Hash, Row) = (hashes[_next], rows[_next]);
            _next++;
            return true;
        }
    }

    private sealed class DiskRun(FileStream file, long offset, int count) : Run
    {
        private readonly byte[] _block = new byte[EntryBytes * BlockEntries];
        private long _position = offset;
        private int _left = count;
        private int _buffered;
        private int _next;

        public override bool MoveNext()
        {
            if (_next == _buffered)
            {
                if (_left == 0)
                {
                    return false;
                }

                _buffered = Math.Min(_left, BlockEntries);
                var bytes = _block.AsSpan(0, _buffered * EntryBytes);
                while (!bytes.IsEmpty)
                {
                    var read = RandomAccess.Read(file.SafeFileHandle, bytes, _position);
                    if (read == 0)
                    {
                        throw new EndOfStreamException("A spilled run of uniqueness keys is shorter than written.");
                    }

                    bytes = bytes[read..];
                    _position += read;
                }

                _left -= _buffered;
                _next = 0;
            }

            var at = _next * EntryBytes;
            Hash = BinaryPrimitives.ReadUInt64LittleEndian(_block.AsSpan(at));
            Row = BinaryPrimitives.ReadInt64LittleEndian(_block.AsSpan(at + 8));
            _next++;
            return true;
        }
    }
}
