using System.Globalization;
using Microsoft.Extensions.Logging;

namespace MLOps.Benchmarks.Http;

/// <summary>Options of the HTTP load run, from the command line; every one is bounded so a run always ends.</summary>
internal sealed record HttpLoadSettings
{
    public const string Usage =
        "http [--seconds 3] [--rounds 7] [--warmup 2] [--settle 30] [--levels 1,16,64] [--max-requests 2000000] [--out docs/benchmarks/http-latest.md]\n" +
        "     [--prediction-log on|off] [--log-level Warning]";

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Bare and predict runs alternate this many times per level, and the report gives the median of the rounds'
    /// ratios with their spread: one bare run on its own moves by up to 25% between runs on a shared 2-core machine,
    /// and both sides switch between a fast and a slow mode within one process, so many short rounds give a steadier
    /// median than a few long ones.
    /// </summary>
    public int Rounds { get; init; } = 7;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Longest time spent once, before the first level, driving both endpoints until the JIT stops compiling.
    /// Tiered compilation takes several seconds of traffic to reach steady state on 2 cores, and the predict path
    /// has far more code to tier up than the bare one; without this its first levels measure the JIT.
    /// </summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyList<int> Levels { get; init; } = [1, 16, 64];

    public long MaxRequests { get; init; } = 2_000_000;

    /// <summary>Where the Markdown table goes; relative paths are taken from the repository root.</summary>
    public string Output { get; init; } = Path.Combine("docs", "benchmarks", "http-latest.md");

    /// <summary>Off only to see what the prediction log costs; the served app logs predictions by default.</summary>
    public bool PredictionLog { get; init; } = true;

    /// <summary>For both servers. Information makes ASP.NET Core write two console lines per request, which would measure the console.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    public static HttpLoadSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new HttpLoadSettings();
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            settings = args[i] switch
            {
                "--seconds" => settings with { Duration = TimeSpan.FromSeconds(Bounded(value, 1, 300)) },
                "--rounds" => settings with { Rounds = (int)Bounded(value, 1, 10) },
                "--warmup" => settings with { Warmup = TimeSpan.FromSeconds(Bounded(value, 0, 60)) },
                "--settle" => settings with { Settle = TimeSpan.FromSeconds(Bounded(value, 0, 120)) },
                "--levels" => settings with { Levels = value.Split(',').Select(v => (int)Bounded(v, 1, 1024)).ToArray() },
                "--max-requests" => settings with { MaxRequests = (long)Bounded(value, 1, 10_000_000) },
                "--out" => settings with { Output = value },
                "--prediction-log" => settings with { PredictionLog = value is "on" or "true" },
                "--log-level" => settings with { LogLevel = Enum.Parse<LogLevel>(value, ignoreCase: true) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
            i++;
        }

        return settings;
    }

    private static double Bounded(string value, double min, double max)
    {
        var number = double.Parse(value, CultureInfo.InvariantCulture);
        return number >= min && number <= max ? number : throw new ArgumentException($"{value} is outside {min}..{max}.");
    }
}
