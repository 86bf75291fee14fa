using MLOps.Samples;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace MLOps.Benchmarks.Http;

/// <summary>The HTTP load benchmark: single-row predictions on the real local host against a bare Kestrel endpoint, level by level.</summary>
internal static class HttpLoadRun
{
    /// <summary>The issue's target: predict throughput at least this share of the bare endpoint's.</summary>
    public const double TargetRatio = 0.60;

    /// <summary>Unmeasured load on a side before each of its rounds, after the other side's round.</summary>
    private static readonly TimeSpan LeadIn = TimeSpan.FromMilliseconds(500);

    /// <summary>A settling round that JIT-compiles fewer methods than this counts as steady state.</summary>
    private const int SettledMethodsPerRound = 25;

    public static async Task<int> RunAsync(HttpLoadSettings settings, CancellationToken cancellationToken)
    {
        var root = RepoRoot.Path;
        Console.WriteLine("Starting the benchmark's own Azurite (in memory, free loopback ports)...");
        await using var azurite = await PrivateAzurite.StartAsync(root, cancellationToken).ConfigureAwait(false);
        return await MeasureAsync(settings, root, azurite, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> MeasureAsync(HttpLoadSettings settings, string root, PrivateAzurite azurite, CancellationToken cancellationToken)
    {
        var body = ChurnWorkload.PredictBody(1);
        Console.WriteLine("Starting the local host (LocalFunctionsHost) and registering the churn model as champion...");
        await using var served = await ServedModel.StartAsync(azurite.ConnectionString, settings.LogLevel, settings.PredictionLog, cancellationToken).ConfigureAwait(false);
        var answer = await served.PredictOnceAsync(body, cancellationToken).ConfigureAwait(false);

        // The bare endpoint answers with a real prediction answer, so both sides move the same bytes.
        await using var bare = await BareEndpoint.StartAsync(answer, settings.LogLevel).ConfigureAwait(false);
        Console.WriteLine($"Predict: {served.BaseAddress}{ServedModel.PredictPath.TrimStart('/')} (storage prefix {served.Prefix}); bare: {bare.BaseAddress}{BareEndpoint.Path.TrimStart('/')}");
        Console.WriteLine($"Request body {body.Length} bytes, answer {Encoding.UTF8.GetByteCount(answer)} bytes; {settings.Warmup.TotalSeconds:F0} s warm-up + {settings.Duration.TotalSeconds:F0} s per side and level.");

        var cpu = new CpuMeter(azurite.ProcessId);
        await SettleAsync(settings, bare.BaseAddress, served, body, cancellationToken).ConfigureAwait(false);
        var rows = new List<LevelResult>();
        foreach (var concurrency in settings.Levels)
        {
            // One client per side for the whole level: its connections stay open between rounds, so after the first
            // warm-up a round measures the server and not connection set-up.
            using var bareClient = LoadGenerator.CreateClient(bare.BaseAddress, concurrency, served.Key);
            using var predictClient = LoadGenerator.CreateClient(served.BaseAddress, concurrency, served.Key);
            var bareSide = new Side("bare", bareClient, BareEndpoint.Path);
            var predictSide = new Side("predict", predictClient, ServedModel.PredictPath);
            await WarmAsync(bareSide, body, concurrency, settings.Warmup, settings, cancellationToken).ConfigureAwait(false);
            await WarmAsync(predictSide, body, concurrency, settings.Warmup, settings, cancellationToken).ConfigureAwait(false);

            var rounds = new List<RoundResult>();
            for (var round = 1; round <= settings.Rounds; round++)
            {
                // The order flips every round, so a drift of the machine over the level counts against both sides alike.
                var predictFirst = round % 2 == 0;
                (LoadResult Load, CpuUse Cpu) bareResult, predictResult;
                var droppedBefore = served.PredictionLogDropped;
                if (predictFirst)
                {
                    predictResult = await MeasureSideAsync(predictSide, body, concurrency, settings, cpu, cancellationToken).ConfigureAwait(false);
                    bareResult = await MeasureSideAsync(bareSide, body, concurrency, settings, cpu, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    bareResult = await MeasureSideAsync(bareSide, body, concurrency, settings, cpu, cancellationToken).ConfigureAwait(false);
                    predictResult = await MeasureSideAsync(predictSide, body, concurrency, settings, cpu, cancellationToken).ConfigureAwait(false);
                }

                rounds.Add(new RoundResult(bareResult.Load, bareResult.Cpu, predictResult.Load, predictResult.Cpu, served.PredictionLogDropped - droppedBefore, predictFirst));
            }

            rows.Add(new LevelResult(concurrency, rounds));
        }

        var report = Report(settings, body.Length, Encoding.UTF8.GetByteCount(answer), rows);
        Console.WriteLine();
        Console.WriteLine(report);
        var output = Path.IsPathRooted(settings.Output) ? settings.Output : Path.Combine(root, settings.Output);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, report, cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"Written to {Path.GetRelativePath(root, output)}");
        return rows.SelectMany(r => r.Rounds).Any(r => r.Bare.FailureCount + r.Predict.FailureCount > 0) ? 1 : 0;
    }

    /// <summary>Drives both endpoints in 2 s rounds until a round JIT-compiles fewer than <see cref="SettledMethodsPerRound"/> methods.</summary>
    private static async Task SettleAsync(HttpLoadSettings settings, Uri bareAddress, ServedModel served, byte[] body, CancellationToken cancellationToken)
    {
        if (settings.Settle <= TimeSpan.Zero)
        {
            return;
        }

        var concurrency = settings.Levels.Max();
        using var bareClient = LoadGenerator.CreateClient(bareAddress, concurrency, served.Key);
        using var predictClient = LoadGenerator.CreateClient(served.BaseAddress, concurrency, served.Key);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var round = TimeSpan.FromSeconds(2);
        var methods = JitInfo.GetCompiledMethodCount();
        var rounds = 0;
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < settings.Settle)
        {
            await LoadGenerator.RunAsync(bareClient, BareEndpoint.Path, body, concurrency, round / 2, settings.MaxRequests, cancellationToken).ConfigureAwait(false);
            await LoadGenerator.RunAsync(predictClient, ServedModel.PredictPath, body, concurrency, round / 2, settings.MaxRequests, cancellationToken).ConfigureAwait(false);
            var now = JitInfo.GetCompiledMethodCount();
            rounds++;
            Console.WriteLine($"  settling: round {rounds}, {now - methods} methods JIT-compiled");
            if (now - methods < SettledMethodsPerRound && rounds >= 2)
            {
                return;
            }

            methods = now;
        }

        Console.WriteLine($"  settling: the JIT was still compiling after {settings.Settle.TotalSeconds:F0} s; the first levels may include some of it.");
    }

    private sealed record Side(string Name, HttpClient Client, string Path);

    private static async Task WarmAsync(Side side, byte[] body, int concurrency, TimeSpan duration, HttpLoadSettings settings, CancellationToken cancellationToken)
    {
        if (duration <= TimeSpan.Zero)
        {
            return;
        }

        var warm = await LoadGenerator.RunAsync(side.Client, side.Path, body, concurrency, duration, settings.MaxRequests, cancellationToken).ConfigureAwait(false);
        if (warm.FailureCount > 0)
        {
            Console.WriteLine($"  warm-up {side.Name} c={concurrency}: {warm.FailureCount} failures, first: {warm.FirstFailure}");
        }
    }

    private static async Task<(LoadResult Load, CpuUse Cpu)> MeasureSideAsync(
        Side side, byte[] body, int concurrency, HttpLoadSettings settings, CpuMeter cpu, CancellationToken cancellationToken)
    {
        // A short unmeasured lead-in on the already open connections: the other side ran until a moment ago.
        await WarmAsync(side, body, concurrency, LeadIn, settings, cancellationToken).ConfigureAwait(false);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = cpu.Take();
        var jitBefore = JitInfo.GetCompiledMethodCount();
        var result = await LoadGenerator.RunAsync(side.Client, side.Path, body, concurrency, settings.Duration, settings.MaxRequests, cancellationToken).ConfigureAwait(false);
        var use = CpuMeter.Between(before, cpu.Take()) with { JitCompiledMethods = JitInfo.GetCompiledMethodCount() - jitBefore };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {side.Name,-7} c={concurrency,-3} {result.RequestsPerSecond,9:F0} req/s  p50 {result.P50Ms,7:F3} ms  p99 {result.P99Ms,7:F3} ms  ok {result.Successes}  failed {result.FailureCount}  cpu: bench {use.SelfCores:F2} azurite {use.AzuriteCores:F2} machine {use.MachineCores:F2} cores, {use.JitCompiledMethods} methods jitted, {PerRequest(use.ContextSwitches, result.Successes):F2} context switches and {PerRequest(use.AllocatedBytes, result.Successes):F0} B allocated per request, GC paused {use.GcPauseShare:P1}"));
        if (result.FirstFailure is not null)
        {
            Console.WriteLine($"    first failure: {result.FirstFailure}");
        }

        return (result, use);
    }

    private static string Report(HttpLoadSettings settings, int requestBytes, int answerBytes, IReadOnlyList<LevelResult> rows)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine("# HTTP load: POST predict (1 row) vs a bare Kestrel endpoint");
        text.AppendLine();
        text.AppendLine(inv, $"- Measured: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, {RuntimeInformation.OSDescription}.");
        text.AppendLine(inv, $"- Before the first level both endpoints are driven (up to {settings.Settle.TotalSeconds:F0} s) until the JIT has stopped compiling, so that neither side measures tiered compilation.");
        text.AppendLine(inv, $"- Each level: one client per side for the whole level (HttpClient with SocketsHttpHandler, MaxConnectionsPerServer = concurrency, HTTP/1.1 on 127.0.0.1), each side warmed for {settings.Warmup.TotalSeconds:F0} s, then {settings.Rounds} rounds of a bare and a predict run, in flipped order every other round; each run is a closed loop for {settings.Duration.TotalSeconds:F0} s (capped at {settings.MaxRequests:N0} requests) after a {LeadIn.TotalSeconds:F1} s unmeasured lead-in. The ratio is the median of the rounds' ratios (each predict run against the bare run of its round), with the lowest and highest, and the pooled ratio of all predict requests to all bare requests of the level; req/s and latencies are those of the median round.");
        text.AppendLine(inv, $"- Predict: `POST /api/models/churn/predict` on the real local host (LocalFunctionsHost, champion alias, API key check, prediction log to Azurite {(settings.PredictionLog ? "on" : "OFF")}). Bare: `app.MapPost(\"/const\", () => Results.Text(json))` answering a captured prediction answer. Both get the same {requestBytes}-byte body and key header; answers are {answerBytes} bytes.");
        text.AppendLine(inv, $"- Both servers, the load generator and Azurite share the same {Environment.ProcessorCount} cores, the same for both sides: the numbers compare the two paths, they are not the capacity of a dedicated server. Log level {settings.LogLevel} on both servers.");
        text.AppendLine("- Only HTTP 200 counts as success; any other status or transport error is an error.");
        text.AppendLine();
        text.AppendLine("| Concurrency | Ratio (predict/bare), median of rounds | Lowest-highest round | Pooled ratio | Bare req/s | Predict req/s | Bare p50/p99 ms | Predict p50/p99 ms | Errors |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var level in rows)
        {
            var r = level.Median;
            text.AppendLine(inv,
                $"| {level.Concurrency} | {level.MedianRatio:P0} {(level.MedianRatio >= TargetRatio ? "(met)" : "(below 60%)")} | {level.Rounds.Min(x => x.Ratio):P0}-{level.Rounds.Max(x => x.Ratio):P0} | {level.PooledRatio:P0} | {r.Bare.RequestsPerSecond:F0} | {r.Predict.RequestsPerSecond:F0} | {r.Bare.P50Ms:F3} / {r.Bare.P99Ms:F3} | {r.Predict.P50Ms:F3} / {r.Predict.P99Ms:F3} | {Errors(level)} |");
        }

        text.AppendLine();
        text.AppendLine("CPU during each measured run (average cores busy; the machine has " + Environment.ProcessorCount.ToString(inv) + "):");
        text.AppendLine();
        text.AppendLine("| Concurrency | Round | Side | Requests OK | Bench process (servers + load generator) | Azurite | Other processes | Context switches per request (machine) | Allocated per request (process) | GC pauses (share of the run) | Methods JIT-compiled during the run | Prediction-log rows shed |");
        text.AppendLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var level in rows)
        {
            for (var i = 0; i < level.Rounds.Count; i++)
            {
                var r = level.Rounds[i];
                var bareLine = string.Create(inv, $"| {level.Concurrency} | {i + 1} | bare | {r.Bare.Successes:N0} | {Usage(r.BareCpu, r.Bare.Successes)} | - |");
                var predictLine = string.Create(inv, $"| {level.Concurrency} | {i + 1} | predict | {r.Predict.Successes:N0} | {Usage(r.PredictCpu, r.Predict.Successes)} | {r.PredictionLogShed:N0} |");
                text.AppendLine(r.PredictFirst ? predictLine : bareLine);
                text.AppendLine(r.PredictFirst ? bareLine : predictLine);
            }
        }

        text.AppendLine();
        text.AppendLine("\"Other processes\" is what the rest of the machine used meanwhile (builds, tests); well above 0 means the run was disturbed.");
        text.AppendLine("Context switches are the whole machine's (/proc/stat), so they include the load generator's and Azurite's; allocations are this process's, so they include the load generator's (the same for both sides).");

        return text.ToString();
    }

    private static string Usage(CpuUse use, long requests) => string.Create(
        CultureInfo.InvariantCulture,
        $"{use.SelfCores:F2} | {use.AzuriteCores:F2} | {use.OtherCores:F2} | {PerRequest(use.ContextSwitches, requests):F2} | {Allocated(use.AllocatedBytes, requests)} | {use.GcPauseShare:P1} | {use.JitCompiledMethods}");

    // The runtime's allocated-bytes counter has been seen to step back once in a run of server GC; no figure then.
    private static string Allocated(long bytes, long requests) => bytes >= 0 && requests > 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / requests:F1} KiB") : "-";

    private static double PerRequest(long total, long requests) => requests > 0 ? (double)total / requests : double.NaN;

    private static string Errors(LevelResult level)
    {
        static string Of(IEnumerable<LoadResult> loads)
        {
            var failures = loads.SelectMany(l => l.Failures).GroupBy(f => f.Key, f => f.Value).ToList();
            return failures.Count == 0 ? "0" : $"{failures.Sum(g => g.Sum())} ({string.Join(", ", failures.Select(g => $"{g.Key}: {g.Sum()}"))})";
        }

        return $"bare {Of(level.Rounds.Select(r => r.Bare))}, predict {Of(level.Rounds.Select(r => r.Predict))}";
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    private sealed record RoundResult(LoadResult Bare, CpuUse BareCpu, LoadResult Predict, CpuUse PredictCpu, long PredictionLogShed, bool PredictFirst)
    {
        public double Ratio => Bare.RequestsPerSecond > 0 ? Predict.RequestsPerSecond / Bare.RequestsPerSecond : double.NaN;
    }

    private sealed record LevelResult(int Concurrency, IReadOnlyList<RoundResult> Rounds)
    {
        /// <summary>The round whose ratio is the median (the lower middle one for an even count).</summary>
        public RoundResult Median => Rounds.OrderBy(r => r.Ratio).ElementAt((Rounds.Count - 1) / 2);

        public double MedianRatio => Median.Ratio;

        /// <summary>All predict requests of the level against all bare ones (every run lasts the same time).</summary>
        public double PooledRatio => Rounds.Sum(r => r.Bare.RequestsPerSecond) is > 0 and var bare ? Rounds.Sum(r => r.Predict.RequestsPerSecond) / bare : double.NaN;
    }
}
