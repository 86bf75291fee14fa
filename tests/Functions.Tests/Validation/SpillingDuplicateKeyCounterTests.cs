using MLOps.Domain.Validation;
using MLOps.Functions.Validation;

namespace MLOps.Functions.Tests.Validation;

/// <summary>The bounded-memory duplicate counter against a plain dictionary, in memory and with runs spilled to disk.</summary>
public sealed class SpillingDuplicateKeyCounterTests : IDisposable
{
    private readonly string _spool = Directory.CreateTempSubdirectory("mlops-keys-test-").FullName;

    public static TheoryData<int, int, int> Shapes => new()
    {
        // run size, rows, distinct keys
        { 16, 1_000, 300 },          // dozens of spilled runs, many duplicates
        { 1_000, 5_000, 5_000_000 }, // spilled runs, almost no duplicates
        { 100_000, 150_000, 40_000 }, // a run large enough to be partitioned before sorting, then spilled
        { 200_000, 150_000, 149_000 }, // one partitioned run in memory
        { 2_000, 1_500, 1 },          // every key the same: one group of 1,500 rows
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Finish_RandomKeys_MatchesAnExactCountWithTheEarliestExamples(int runSize, int rows, int distinct)
    {
        var random = new Random(runSize ^ rows);
        var keys = Enumerable.Range(0, rows).Select(_ => Mix((ulong)random.NextInt64(distinct))).ToArray();
        var (expected, expectedExamples) = Reference(keys, examples: 7);

        using var counter = new SpillingDuplicateKeyCounter(runSize, _spool);
        for (var i = 0; i < rows; i++)
        {
            counter.Add(keys[i], i + 1);
        }

        var found = counter.Finish(7);

        Assert.Equal(expected, found.Duplicates);
        Assert.Equal(expectedExamples, found.Examples);
        Assert.Equal(rows > runSize ? (rows - 1) / runSize : 0, counter.SpilledRuns);
    }

    [Fact]
    public void Add_SmallFile_GrowsTheRunWithTheFileNotToTheRunSize()
    {
        using var counter = new SpillingDuplicateKeyCounter(2_000_000, _spool);

        for (var i = 0; i < 10; i++)
        {
            counter.Add((ulong)i, i + 1);
        }

        Assert.Equal(4096, counter.Capacity);
        for (var i = 10; i < 10_000; i++)
        {
            counter.Add((ulong)i, i + 1);
        }

        Assert.Equal(16_384, counter.Capacity);
        Assert.Equal(0, counter.Finish(5).Duplicates);
    }

    [Fact]
    public void Add_PastTheRunSize_NeverHoldsMoreThanARunInMemory()
    {
        using var counter = new SpillingDuplicateKeyCounter(5_000, _spool);

        for (var i = 0; i < 20_000; i++)
        {
            counter.Add(Mix((ulong)i), i + 1);
            Assert.True(counter.Capacity <= 5_000);
        }

        Assert.Equal(3, counter.SpilledRuns);
        Assert.Single(Directory.GetFiles(_spool));
    }

    [Fact]
    public void Dispose_DeletesTheSpillFile()
    {
        var counter = new SpillingDuplicateKeyCounter(100, _spool);
        for (var i = 0; i < 1_000; i++)
        {
            counter.Add((ulong)(i % 10), i + 1);
        }

        Assert.Equal(990, counter.Finish(3).Duplicates);
        counter.Dispose();

        Assert.Empty(Directory.GetFiles(_spool));
    }

    public void Dispose() => Directory.Delete(_spool, recursive: true);

    /// <summary>Spreads small integers over all 64 bits, as XxHash3 values are spread (the partitioning reads the top byte).</summary>
    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        return x ^ (x >> 33);
    }

    private static (long Duplicates, List<(long Row, long FirstRow)> Examples) Reference(ulong[] keys, int examples)
    {
        var first = new Dictionary<ulong, long>();
        var found = new List<(long, long)>();
        long duplicates = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (first.TryGetValue(keys[i], out var row))
            {
                duplicates++;
                if (found.Count < examples)
                {
                    found.Add((i + 1, row));
                }
            }
            else
            {
                first[keys[i]] = i + 1;
            }
        }

        return (duplicates, found);
    }
}
