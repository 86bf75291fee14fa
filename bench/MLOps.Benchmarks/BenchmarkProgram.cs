using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using MLOps.Benchmarks.Http;
using MLOps.Benchmarks.Scoring;

namespace MLOps.Benchmarks;

/// <summary>Entry point: <c>scoring</c> runs the BenchmarkDotNet scoring suite, <c>http</c> the loopback load run.</summary>
internal static class BenchmarkProgram
{
    private const string Usage =
        "usage: dotnet run -c Release --project bench/MLOps.Benchmarks -- scoring [BenchmarkDotNet options]\n" +
        "       dotnet run -c Release --project bench/MLOps.Benchmarks -- handler [BenchmarkDotNet options]\n" +
        "       dotnet run -c Release --project bench/MLOps.Benchmarks -- " + HttpLoadSettings.Usage;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        switch (args[0])
        {
            case "scoring":
                var summary = BenchmarkRunner.Run<ScoringBenchmarks>(DefaultConfig.Instance, args[1..]);
                return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0;

            case "handler":
                var handler = BenchmarkRunner.Run<Handler.HandlerBenchmarks>(DefaultConfig.Instance, args[1..]);
                return handler.HasCriticalValidationErrors || handler.Reports.Any(r => !r.Success) ? 1 : 0;

            case "http":
                HttpLoadSettings settings;
                try
                {
                    settings = HttpLoadSettings.Parse(args[1..]);
                }
                catch (Exception ex) when (ex is ArgumentException or FormatException)
                {
                    await Console.Error.WriteLineAsync(ex.Message + "\n" + Usage).ConfigureAwait(false);
                    return 2;
                }

                using (var stop = new CancellationTokenSource())
                {
                    Console.CancelKeyPress += (_, e) =>
                    {
                        e.Cancel = true;
                        stop.Cancel();
                    };
                    return await HttpLoadRun.RunAsync(settings, stop.Token).ConfigureAwait(false);
                }

            case "validation":
                return await Validation.ValidationThroughputRun.RunAsync(args[1..]).ConfigureAwait(false);

            default:
                await Console.Error.WriteLineAsync($"unknown benchmark '{args[0]}'\n{Usage}").ConfigureAwait(false);
                return 2;
        }
    }
}
