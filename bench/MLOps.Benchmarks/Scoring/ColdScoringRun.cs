using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using MLOps.Functions.Scoring;
using MLOps.Samples;

namespace MLOps.Benchmarks.Scoring;

/// <summary>One-row scoring with warm caches and after other work has pushed ONNX Runtime's code and data out of them.</summary>
/// <remarks>
/// BenchmarkDotNet times a method back to back, so ONNX Runtime's code and data stay in the core's caches; a served
/// request runs the model between a socket read and a socket write, the HTTP stack's and the kernel's own code in
/// between. This run times each call alone (a timestamp before and after, nothing else inside) after a pass over a
/// buffer of a given size: 0 (warm), twice one core's L2 and more than the shared L3. The baseline is the raw
/// <c>InferenceSession.Run</c> on prebuilt tensors, measured in the same run and under the same eviction.
/// </remarks>
internal static class ColdScoringRun
{
    public static int Run(IReadOnlyList<string> args)
    {
        var output = args.Count == 2 && args[0] == "--out" ? args[1] : Path.Combine("docs", "benchmarks", "scoring-cold-latest.md");
        using var churn = new ChurnScoring(rows: 1);
        var scorer = new Scorer();
        void Raw() => churn.RawRun();
        void Ours() => scorer.Score(churn.Session, churn.Batch);

        (string Name, Action Call)[] cases = [("Raw InferenceSession.Run (prebuilt tensors)", Raw), ("Scorer.Score (one-row binding)", Ours)];
        int[] evictMiB = [0, 2, 48];
        var results = new Dictionary<(string, int), List<double>>();

        // Two passes in opposite order, so a drift of the machine counts against both cases alike.
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var (name, call) in pass == 0 ? cases : cases.Reverse())
            {
                foreach (var mib in evictMiB)
                {
                    var times = Measure(call, mib);
                    (results.TryGetValue((name, mib), out var list) ? list : results[(name, mib)] = []).AddRange(times);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pass {pass + 1}  {name,-45} evict {mib,3} MiB  median {Percentile(times, 0.5):F2} us"));
                }
            }
        }

        var report = Report(cases.Select(c => c.Name).ToArray(), evictMiB, results);
        Console.WriteLine();
        Console.WriteLine(report);
        var path = Path.IsPathRooted(output) ? output : Path.Combine(RepoRoot.Path, output);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, report);
        Console.WriteLine($"Written to {Path.GetRelativePath(RepoRoot.Path, path)}");
        return 0;
    }

    /// <summary>Times <paramref name="call"/> alone, each time after writing one byte per cache line of <paramref name="evictMiB"/> MiB.</summary>
    private static List<double> Measure(Action call, int evictMiB)
    {
        var buffer = new byte[Math.Max(1, evictMiB) * 1024 * 1024];
        var calls = evictMiB switch
        {
            0 => 20_000,
            <= 4 => 10_000,
            _ => 1_500,
        };
        for (var i = 0; i < 2_000; i++)
        {
            call();
        }

        var times = new List<double>(calls);
        for (var i = 0; i < calls; i++)
        {
            if (evictMiB > 0)
            {
                Touch(buffer);
            }

            var started = Stopwatch.GetTimestamp();
            call();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }

        return times;
    }

    private static void Touch(byte[] buffer)
    {
        ref var start = ref MemoryMarshal.GetArrayDataReference(buffer);
        for (var i = 0; i < buffer.Length; i += 64)
        {
            Unsafe.Add(ref start, i)++;
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static double Percentile(List<double> times, double share)
    {
        var sorted = times.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Round(share * (sorted.Length - 1)))];
    }

    private static string Report(string[] cases, int[] evictMiB, Dictionary<(string, int), List<double>> results)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# One-row scoring, warm and after eviction (console run, in process)");
        text.AppendLine();
        text.AppendLine(inv, $"- Measured: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, load average {LoadAverage()}.");
        text.AppendLine("- The churn model, one record, the serving session options. Each call is timed alone (timestamps around the call only), after writing one byte per 64-byte line of a buffer: 0 MiB (warm, back to back, as BenchmarkDotNet measures), 2 MiB (twice one core's 1 MiB L2) and 48 MiB (more than the shared 32 MiB L3).");
        text.AppendLine("- Two passes in opposite order; 20,000 calls per case and pass warm, 10,000 after 2 MiB, 1,500 after 48 MiB, each after 2,000 unmeasured calls. Ratio: our median against the raw run's median under the same eviction.");
        text.AppendLine();
        text.AppendLine("| Evicted before each call | " + string.Join(" | ", cases.Select(c => c + ", median / p90 µs")) + " | Ratio (medians) |");
        text.AppendLine("|---:|" + string.Concat(cases.Select(_ => "---:|")) + "---:|");
        foreach (var mib in evictMiB)
        {
            var medians = cases.Select(c => Percentile(results[(c, mib)], 0.5)).ToArray();
            var cells = cases.Select(c => string.Create(inv, $"{Percentile(results[(c, mib)], 0.5):F2} / {Percentile(results[(c, mib)], 0.9):F2}"));
            text.AppendLine(inv, $"| {(mib == 0 ? "nothing (warm)" : $"{mib} MiB")} | {string.Join(" | ", cells)} | {medians[1] / medians[0]:F2}× |");
        }

        return text.ToString();
    }
}
