using System.Globalization;

namespace MLOps.Benchmarks.Http;

/// <summary>CPU used during a run, from /proc: this process (servers and load generator), Azurite, and the whole machine; with the machine's context switches and this process's garbage collections.</summary>
/// <remarks>
/// Tells where the two cores went, so a throughput gap can be put down to the app, the emulator or other work on the
/// box. Context switches are the machine's (the /proc/stat <c>ctxt</c> counter): on loopback the sending and the
/// receiving side wake each other, and on this VM a cross-core wake-up is one of the dearest things a request does.
/// </remarks>
internal sealed class CpuMeter(int? azuritePid)
{
    private const double ClockTicksPerSecond = 100; // USER_HZ on Linux.

    public CpuSnapshot Take() => new(
        DateTime.UtcNow,
        ProcessTicks("self"),
        azuritePid is { } pid ? ProcessTicks(pid.ToString(CultureInfo.InvariantCulture)) : 0,
        MachineTicks(),
        ContextSwitches(),
        new GcTotals(GC.CollectionCount(0), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(precise: true)));

    public static CpuUse Between(CpuSnapshot a, CpuSnapshot b)
    {
        var seconds = (b.At - a.At).TotalSeconds;
        var (busyA, totalA) = a.Machine;
        var (busyB, totalB) = b.Machine;
        return new CpuUse(
            (b.Self - a.Self) / ClockTicksPerSecond / seconds,
            (b.Azurite - a.Azurite) / ClockTicksPerSecond / seconds,
            totalB > totalA ? (double)(busyB - busyA) / (totalB - totalA) * Environment.ProcessorCount : double.NaN)
        {
            ContextSwitches = b.ContextSwitches - a.ContextSwitches,
            Gen0Collections = b.Gc.Gen0Collections - a.Gc.Gen0Collections,
            GcPauseShare = seconds > 0 ? (b.Gc.Paused - a.Gc.Paused).TotalSeconds / seconds : double.NaN,
            AllocatedBytes = b.Gc.AllocatedBytes - a.Gc.AllocatedBytes,
        };
    }

    private static long ContextSwitches()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("ctxt ", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.AsSpan(5), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static long ProcessTicks(string pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may hold spaces: utime is the 14th field, stime the 15th.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static (long Busy, long Total) MachineTicks()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var total = cpu.Take(8).Sum();
            var idle = cpu[3] + cpu[4];
            return (total - idle, total);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }
}

internal sealed record CpuSnapshot(DateTime At, long Self, long Azurite, (long Busy, long Total) Machine, long ContextSwitches, GcTotals Gc);

/// <summary>This process's garbage collector counters at one moment.</summary>
internal sealed record GcTotals(int Gen0Collections, TimeSpan Paused, long AllocatedBytes);

/// <summary>Average cores busy over a run, how many methods the JIT compiled meanwhile, and the run's context switches and collections.</summary>
internal sealed record CpuUse(double SelfCores, double AzuriteCores, double MachineCores, long JitCompiledMethods = 0)
{
    /// <summary>Context switches on the whole machine during the run.</summary>
    public long ContextSwitches { get; init; }

    /// <summary>Gen0 (and older) collections in this process during the run.</summary>
    public int Gen0Collections { get; init; }

    /// <summary>Share of the run's wall-clock time this process's threads were paused for collections.</summary>
    public double GcPauseShare { get; init; }

    /// <summary>Bytes allocated in this process during the run: the server's and the load generator's.</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Cores used by everything else on the machine: other builds and tests disturb the run when this is high.</summary>
    public double OtherCores => Math.Max(0, MachineCores - SelfCores - AzuriteCores);
}
