using System.Globalization;

namespace MLOps.Benchmarks.Http;

/// <summary>CPU used during a run, from /proc: this process (servers and load generator), Azurite, and the whole machine.</summary>
/// <remarks>Tells where the two cores went, so a throughput gap can be put down to the app, the emulator or other work on the box.</remarks>
internal sealed class CpuMeter(int? azuritePid)
{
    private const double ClockTicksPerSecond = 100; // USER_HZ on Linux.

    public CpuSnapshot Take() => new(DateTime.UtcNow, ProcessTicks("self"), azuritePid is { } pid ? ProcessTicks(pid.ToString(CultureInfo.InvariantCulture)) : 0, MachineTicks());

    public static CpuUse Between(CpuSnapshot a, CpuSnapshot b)
    {
        var seconds = (b.At - a.At).TotalSeconds;
        var (busyA, totalA) = a.Machine;
        var (busyB, totalB) = b.Machine;
        return new CpuUse(
            (b.Self - a.Self) / ClockTicksPerSecond / seconds,
            (b.Azurite - a.Azurite) / ClockTicksPerSecond / seconds,
            totalB > totalA ? (double)(busyB - busyA) / (totalB - totalA) * Environment.ProcessorCount : double.NaN);
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

internal sealed record CpuSnapshot(DateTime At, long Self, long Azurite, (long Busy, long Total) Machine);

/// <summary>Average cores busy over a run, and how many methods the JIT compiled meanwhile.</summary>
internal sealed record CpuUse(double SelfCores, double AzuriteCores, double MachineCores, long JitCompiledMethods = 0)
{
    /// <summary>Cores used by everything else on the machine: other builds and tests disturb the run when this is high.</summary>
    public double OtherCores => Math.Max(0, MachineCores - SelfCores - AzuriteCores);
}
