using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MLOps.Domain.Drift;
using MLOps.Domain.Features;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;
using MLOps.Functions.Drift;
using MLOps.Functions.Storage;

namespace MLOps.Benchmarks.Drift;

/// <summary>
/// A drift check over N prediction-log rows x 20 features against a stored (serialised) reference profile: the same
/// line splitter, log parser, window builder and analyzer the DriftCheck function runs, on a log file on local disk.
/// </summary>
/// <remarks>
/// Baseline, measured in the same run on the same file: one pass that splits the lines and walks every JSON token
/// (the least any check must do to see every row). Reported: wall time of each, their ratio, and the peak working set
/// above the level before the phase (sampled every 10 ms). Blob transfer from storage is not included.
/// </remarks>
internal static class DriftCheckRun
{
    private const int Features = 20;

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var path = Path.Combine(Path.GetTempPath(), $"mlops-drift-bench-{Environment.ProcessId}.jsonl");
        try
        {
            var schema = new FeatureSchema([.. Enumerable.Range(0, Features).Select(i => i % 5 == 4
                ? new FeatureSpec($"c{i}", FeatureType.String)
                : new FeatureSpec($"x{i}", FeatureType.Double))]);
            var profileJson = JsonSerializer.Serialize(BuildReference(schema, 50_000), JsonDefaults.Options);
            var bytes = WriteLog(path, schema, rows);
            Console.WriteLine($"drift: {rows:N0} rows x {Features} features ({Features * 4 / 5} numeric, {Features / 5} categorical), log {bytes / 1e6:F0} MB, stored profile {profileJson.Length / 1e3:F0} kB");

            // Warm up both paths (JIT) on the first rows.
            await BaselineAsync(path, 20_000);
            await CheckAsync(path, profileJson, 20_000);

            var (baseTime, baseRows, baseMemory) = await MeasureAsync(() => BaselineAsync(path, long.MaxValue));
            var (checkTime, checkRows, checkMemory) = await MeasureAsync(() => CheckAsync(path, profileJson, long.MaxValue));

            var report = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"# Drift check benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC")
                .AppendLine()
                .AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores. {rows:N0} log rows x {Features} features (16 numeric, 4 categorical), binary classifier outputs; reference profile of 50,000 rows, serialised and read back as stored. Log file {bytes / 1e6:F0} MB on local disk (storage transfer not included).")
                .AppendLine()
                .AppendLine("| Phase | Rows | Time (s) | Rows/s | Peak working set above start (MB) | Ratio to baseline |")
                .AppendLine("|---|---:|---:|---:|---:|---:|")
                .AppendLine(CultureInfo.InvariantCulture, $"| Baseline: split lines + walk every JSON token | {baseRows:N0} | {baseTime.TotalSeconds:F2} | {baseRows / baseTime.TotalSeconds:N0} | {baseMemory / 1e6:F0} | 1.00 |")
                .AppendLine(CultureInfo.InvariantCulture, $"| Drift check: parse + window profile + all tests + prediction drift | {checkRows:N0} | {checkTime.TotalSeconds:F2} | {checkRows / checkTime.TotalSeconds:N0} | {checkMemory / 1e6:F0} | {checkTime / baseTime:F2} |");
            Console.WriteLine(report);
            Directory.CreateDirectory("docs/benchmarks");
            await File.WriteAllTextAsync("docs/benchmarks/drift-latest.md", report.ToString());
            Console.WriteLine("drift: wrote docs/benchmarks/drift-latest.md");
            return checkRows == rows ? 0 : 1;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ReferenceProfile BuildReference(FeatureSchema schema, int rows)
    {
        var builder = new ReferenceProfileBuilder(schema);
        var random = new Random(1);
        for (var r = 0; r < rows; r++)
        {
            for (var f = 0; f < Features; f++)
            {
                if (f % 5 == 4)
                {
                    builder.AddCategory(f, "cat" + random.Next(12).ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    builder.AddNumeric(f, Normal(random) * (1 + f));
                }
            }

            builder.EndRow();
            var p = random.NextDouble();
            builder.AddPrediction(ModelTask.BinaryClassification, p > 0.5 ? "1" : "0", p);
        }

        return builder.Build();
    }

    private static long WriteLog(string path, FeatureSchema schema, int rows)
    {
        var random = new Random(2);
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = new Utf8JsonWriter(file, new JsonWriterOptions { SkipValidation = true });
        for (var r = 0; r < rows; r++)
        {
            writer.Reset(file);
            writer.WriteStartObject();
            writer.WriteString("predictionId", "0123456789ab0123456789abcdef");
            writer.WriteString("timestamp", start.AddMilliseconds(r));
            writer.WriteString("model", "bench");
            writer.WriteNumber("version", 1);
            writer.WriteStartObject("inputs");
            for (var f = 0; f < Features; f++)
            {
                if (f % 5 == 4)
                {
                    writer.WriteString(schema.Features[f].Name, "cat" + random.Next(13).ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    writer.WriteNumber(schema.Features[f].Name, Math.Round((Normal(random) * (1 + f)) + 0.2, 4));
                }
            }

            writer.WriteEndObject();
            writer.WriteStartObject("outputs");
            var p = random.NextDouble();
            writer.WriteNumber("label", p > 0.5 ? 1 : 0);
            writer.WriteStartObject("probabilities");
            writer.WriteNumber("0", Math.Round(1 - p, 6));
            writer.WriteNumber("1", Math.Round(p, 6));
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.Flush();
            file.WriteByte((byte)'\n');
        }

        return file.Length;
    }

    private static async Task<long> BaselineAsync(string path, long limit)
    {
        long rows = 0, tokens = 0;
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        using var buffer = new LineBuffer();
        await LineBuffer.ReadLinesAsync(stream, buffer, line =>
        {
            var reader = new Utf8JsonReader(line);
            while (reader.Read())
            {
                tokens++;
            }

            return ++rows < limit;
        }, CancellationToken.None);
        return tokens > 0 ? rows : 0;
    }

    private static async Task<long> CheckAsync(string path, string profileJson, long limit)
    {
        var reference = JsonSerializer.Deserialize<ReferenceProfile>(profileJson, JsonDefaults.Options)!;
        var builder = new WindowProfileBuilder(reference);
        var parser = new PredictionLogLineParser(builder, ModelTask.BinaryClassification, "1", DateTimeOffset.MinValue, DateTimeOffset.MaxValue);
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
        {
            using var buffer = new LineBuffer();
            await LineBuffer.ReadLinesAsync(stream, buffer, line =>
            {
                parser.Parse(line);
                return builder.Rows < limit;
            }, CancellationToken.None);
        }

        var window = builder.Build();
        var data = DriftAnalyzer.AnalyzeData(reference, window, DriftSettings.Default);
        var predictions = DriftAnalyzer.AnalyzePredictions(reference, window, DriftSettings.Default);
        if (data.CheckedFeatures != Features || predictions is null)
        {
            throw new InvalidOperationException($"Only {data.CheckedFeatures} features were checked.");
        }

        return builder.Rows;
    }

    private static async Task<(TimeSpan Time, long Rows, long PeakAboveStart)> MeasureAsync(Func<Task<long>> phase)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var start = process.WorkingSet64;
        var peak = start;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                try
                {
                    await Task.Delay(10, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
        var watch = Stopwatch.StartNew();
        var rows = await phase();
        watch.Stop();
        await stop.CancelAsync();
        await sampler;
        return (watch.Elapsed, rows, peak - start);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
