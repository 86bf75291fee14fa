using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using MLOps.Benchmarks.Http;
using MLOps.Benchmarks.Scoring;

namespace MLOps.Benchmarks;

/// <summary>Entry point: <c>scoring</c> runs the BenchmarkDotNet scoring suite, <c>http</c> the loopback load run.</summary>
internal static class BenchmarkProgram
{
    private const string Usage =
        "usage: dotnet run -c Release --project bench/MLOps.Benchmarks -- scoring [BenchmarkDotNet options]\n" +
        "       dotnet run -c Release --project bench/MLOps.Benchmarks -- scoring-cold [--out FILE]\n" +
        "       dotnet run -c Release --project bench/MLOps.Benchmarks -- handler [BenchmarkDotNet options]\n" +
        "       dotnet run -c Release --project bench/MLOps.Benchmarks -- " + HttpLoadSettings.Usage + "\n" +
        "       dotnet run -c Release --project bench/MLOps.Benchmarks -- training [--out FILE] [--rows N] [--trainers lightgbm,fasttree]\n" +
        "       dotnet run -c Release --project bench/MLOps.Benchmarks -- exported-scoring [BenchmarkDotNet options]\n" +
        "       dotnet run -c Release --project bench/MLOps.Benchmarks -- trainjob [--rows N] [--out FILE]\n" +

        "       dotnet run -c Release --project bench/MLOps.Benchmarks -- drift [rows, default 1000000] [rounds, default 5]";

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

            case "scoring-cold":
                return ColdScoringRun.Run(args[1..]);

            case "handler":
                // The whole function against a bare handler, then its steps one by one against the whole function.
                var handler = BenchmarkRunner.Run([typeof(Handler.HandlerBenchmarks), typeof(Handler.HandlerPartsBenchmarks)], DefaultConfig.Instance, args[1..]);
                return handler.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;

            case "training":
                return RunTraining(args[1..]);

            case "exported-scoring":
                // In process: the 1M-row model is trained once and shared by every case.
                var job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10);
                var exported = BenchmarkRunner.Run<Training.ExportedScoringBenchmarks>(DefaultConfig.Instance.AddJob(job), args[1..]);
                return exported.HasCriticalValidationErrors || exported.Reports.Any(r => !r.Success) ? 1 : 0;

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

            case "trainjob":
                return await TrainingJob.TrainingJobRun.RunAsync(args[1..]).ConfigureAwait(false);

            case "drift":
                return await Drift.DriftCheckRun.RunAsync(args[1..]).ConfigureAwait(false);

            case "validation":
                return await Validation.ValidationThroughputRun.RunAsync(args[1..]).ConfigureAwait(false);

            default:
                await Console.Error.WriteLineAsync($"unknown benchmark '{args[0]}'\n{Usage}").ConfigureAwait(false);
                return 2;
        }
    }

    private static int RunTraining(string[] args)
    {
        var output = "docs/benchmarks/training-latest.md";
        var rows = Training.TrainingWorkload.TrainRows;
        string[] trainers = ["lightgbm", "fasttree"];
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--out": output = value; break;
                case "--rows": rows = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--trainers": trainers = value.Split(','); break;
                default: throw new ArgumentException($"unknown option {args[i]}\n{Usage}");
            }

            i++;
        }

        if (rows is < 10_000 or > 5_000_000 || trainers.Any(t => t is not ("lightgbm" or "fasttree")))
        {
            throw new ArgumentException("--rows must be 10,000 to 5,000,000 and --trainers lightgbm and/or fasttree.");
        }

        return Training.TrainingRun.Run(output, rows, trainers);
    }
}
