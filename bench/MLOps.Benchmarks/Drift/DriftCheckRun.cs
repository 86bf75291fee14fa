using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using MLOps.Benchmarks.Http;
using MLOps.Domain.Drift;
using MLOps.Domain.Features;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;
using MLOps.Functions.Configuration;
using MLOps.Functions.Drift;
using MLOps.Functions.PredictionLog;
using MLOps.Functions.Storage;
using MLOps.Samples;

namespace MLOps.Benchmarks.Drift;

/// <summary>
/// A drift check over N prediction-log rows x 20 features against a stored (serialised) reference profile: the same
/// line splitter, log parser, window builder and analyzer the DriftCheck function runs, first on a log file on local
/// disk, then on the same rows in blob storage (Azurite) through the window reader the timer uses.
/// </summary>
/// <remarks>
/// Each source has its own baseline, measured in the same run on the same rows: one pass that splits the lines and
/// walks every JSON token (for blobs: after listing and downloading them the same way), the least any check must do
/// to see every row. Reported: wall time of each, the ratio to its baseline, and the peak working set above the level
/// before the phase (sampled every 10 ms). In storage the rows are laid out as the log writer lays them out: one folder
/// per hour, two instances' blobs per hour, lines interleaved in batches of 500 so neither blob order nor line order
/// is time order.
/// </remarks>
internal static class DriftCheckRun
{
    private const int Features = 20;
    private const string Model = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        if (rows < 1 || rounds is < 1 or > 20)
        {
            await Console.Error.WriteLineAsync("drift: rows must be at least 1 and rounds 1 to 20.");
            return 2;
        }

        var path = Path.Combine(Path.GetTempPath(), $"mlops-drift-bench-{Environment.ProcessId}.jsonl");
        var azurite = new AzuriteEmulator(RepoRoot.Path);
        await azurite.EnsureRunningAsync(CancellationToken.None);
        var (clients, names) = Storage("b" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        var container = clients.Blobs.GetBlobContainerClient(names.PredictionsContainer);
        var blobFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var schema = new FeatureSchema([.. Enumerable.Range(0, Features).Select(i => i % 5 == 4
                ? new FeatureSpec($"c{i}", FeatureType.String)
                : new FeatureSpec($"x{i}", FeatureType.Double))]);
            var profileJson = JsonSerializer.Serialize(BuildReference(schema, 50_000), JsonDefaults.Options);
            var bytes = WriteLog(path, schema, rows, blobFiles);
            Console.WriteLine($"drift: {rows:N0} rows x {Features} features ({Features * 4 / 5} numeric, {Features / 5} categorical), log {bytes / 1e6:F0} MB, stored profile {profileJson.Length / 1e3:F0} kB");

            await container.CreateIfNotExistsAsync();
            var upload = Stopwatch.StartNew();
            foreach (var (blob, file) in blobFiles)
            {
                await container.GetBlobClient(blob).UploadAsync(file, overwrite: true);
            }

            var uploadSeconds = upload.Elapsed.TotalSeconds;
            Console.WriteLine($"drift: uploaded {blobFiles.Count} blobs to Azurite in {uploadSeconds:F1} s");
            var now = DateTimeOffset.UtcNow.AddSeconds(1);
            var reader = new PredictionLogWindowReader(clients, names);
            var timeWindow = new DriftWindow { Kind = DriftWindowKind.Time, Duration = TimeSpan.FromHours(24), MaxRows = Math.Max(rows, 1) };
            var countWindow = new DriftWindow { Kind = DriftWindowKind.Count, Rows = rows, MaxRows = Math.Max(rows, 1) };

            // Warm up every path (JIT) on the first rows.
            await FileBaselineAsync(path, 20_000);
            await FileCheckAsync(path, profileJson, 20_000);
            await BlobBaselineAsync(container, 20_000);
            await BlobCheckAsync(reader, profileJson, timeWindow with { MaxRows = 20_000 }, now);
            await BlobCheckAsync(reader, profileJson, countWindow with { Rows = 20_000 }, now);

            // Every phase once per round, rounds one after another, so load from outside hits all phases alike; the
            // median round counts.
            var phases = new (string Name, string Baseline, Func<Task<long>> Run)[]
            {
                ("Local file, baseline: split lines + walk every JSON token", "file", () => FileBaselineAsync(path, long.MaxValue)),
                ("Local file, drift check: parse + window profile + all tests + prediction drift", "file", () => FileCheckAsync(path, profileJson, long.MaxValue)),
                ("Blob storage, baseline: list + download + split lines + walk every JSON token", "blob", () => BlobBaselineAsync(container, long.MaxValue)),
                ("Blob storage, drift check, time window (24 h, the default): the timer's window reader + all tests", "blob", () => BlobCheckAsync(reader, profileJson, timeWindow, now)),
                ($"Blob storage, drift check, count window (newest {rows:N0} rows, two passes per hour)", "blob", () => BlobCheckAsync(reader, profileJson, countWindow, now)),
            };
            var results = phases.Select(_ => new List<(TimeSpan Time, TimeSpan Cpu, long Rows, long Memory)>()).ToArray();
            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < phases.Length; i++)
                {
                    results[i].Add(await MeasureAsync(phases[i].Run));
                    Console.WriteLine($"drift: round {round + 1}, {phases[i].Name}: {results[i][^1].Time.TotalSeconds:F2} s");
                }
            }

            var medians = results.Select(r => r.OrderBy(x => x.Time).ElementAt(r.Count / 2).Time).ToArray();
            var cpuMedians = results.Select(r => r.OrderBy(x => x.Cpu).ElementAt(r.Count / 2).Cpu).ToArray();
            var report = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"# Drift check benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC")
                .AppendLine()
                .AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, load average {LoadAverage()} at the end. {rows:N0} log rows x {Features} features (16 numeric, 4 categorical), binary classifier outputs; reference profile of 50,000 rows, serialised and read back as stored. Log {bytes / 1e6:F0} MB: a file on local disk, and the same rows as {blobFiles.Count} blobs in Azurite (hourly folders, two instances' blobs per hour, uploaded in {uploadSeconds:F1} s, not timed below). {rounds} rounds of every phase in turn; wall time is the median round (min–max in brackets), CPU time (this process, all threads; Azurite's own CPU not included) the median round, memory the largest; each ratio is of medians, against the baseline of the same source. CPU time is the steadier figure on a shared machine: a phase descheduled by other work waits without using CPU.")
                .AppendLine()
                .AppendLine("| Phase | Rows | Wall time (s) | Rows/s | CPU time (s) | Peak working set above start (MB) | Wall ratio | CPU ratio |")
                .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (var i = 0; i < phases.Length; i++)
            {
                var baseline = Array.FindIndex(phases, p => p.Baseline == phases[i].Baseline);
                var count = results[i][0].Rows;
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"| {phases[i].Name} | {count:N0} | {medians[i].TotalSeconds:F2} ({results[i].Min(r => r.Time).TotalSeconds:F2}–{results[i].Max(r => r.Time).TotalSeconds:F2}) | {count / medians[i].TotalSeconds:N0} | {cpuMedians[i].TotalSeconds:F2} | {results[i].Max(r => r.Memory) / 1e6:F0} | {medians[i] / medians[baseline]:F2} | {cpuMedians[i] / cpuMedians[baseline]:F2} |");
            }

            Console.WriteLine(report);
            Directory.CreateDirectory("docs/benchmarks");
            await File.WriteAllTextAsync("docs/benchmarks/drift-latest.md", report.ToString());
            Console.WriteLine("drift: wrote docs/benchmarks/drift-latest.md");
            return results.All(r => r.All(x => x.Rows == rows)) ? 0 : 1;
        }
        finally
        {
            File.Delete(path);
            foreach (var file in blobFiles.Values)
            {
                File.Delete(file);
            }

            await container.DeleteIfExistsAsync();
            await azurite.StopIfStartedHereAsync();
        }
    }

    private static (StorageClients Clients, StorageNames Names) Storage(string prefix)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }).Build();
        var options = Options.Create(new StorageOptions { Prefix = prefix });
        return (new StorageClients(configuration, options), new StorageNames(options));
    }

    private static ReferenceProfile BuildReference(FeatureSchema schema, int rows)
    {
        var builder = new ReferenceProfileBuilder(schema) { PositiveClass = "1" };
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

    /// <summary>Writes the log once to <paramref name="path"/> and, line for line, to one temp file per blob (hour and instance).</summary>
    private static long WriteLog(string path, FeatureSchema schema, int rows, Dictionary<string, string> blobFiles)
    {
        var random = new Random(2);
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        var perBlob = new Dictionary<string, FileStream>(StringComparer.Ordinal);
        using var line = new MemoryStream();
        using var writer = new Utf8JsonWriter(line, new JsonWriterOptions { SkipValidation = true });
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            for (var r = 0; r < rows; r++)
            {
                var at = start.AddMilliseconds(r);
                line.SetLength(0);
                writer.Reset(line);
                writer.WriteStartObject();
                writer.WriteString("predictionId", at.ToUnixTimeMilliseconds().ToString("x12", CultureInfo.InvariantCulture) + "0123456789abcdef");
                writer.WriteString("timestamp", at);
                writer.WriteString("model", Model);
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
                line.WriteByte((byte)'\n');

                file.Write(line.GetBuffer(), 0, (int)line.Length);
                var hour = new DateTimeOffset(at.UtcDateTime.Date.AddHours(at.UtcDateTime.Hour), TimeSpan.Zero);
                var blob = BlobPredictionLogSink.Prefix(Model, 1, hour) + ((r / 500) % 2 == 0 ? "bench-a-0000.jsonl" : "bench-b-0000.jsonl");
                if (!perBlob.TryGetValue(blob, out var blobFile))
                {
                    blobFiles[blob] = Path.Combine(Path.GetTempPath(), $"mlops-drift-bench-{Environment.ProcessId}-{blobFiles.Count}.jsonl");
                    perBlob[blob] = blobFile = new FileStream(blobFiles[blob], FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
                }

                blobFile.Write(line.GetBuffer(), 0, (int)line.Length);
            }

            return file.Length;
        }
        finally
        {
            foreach (var stream in perBlob.Values)
            {
                stream.Dispose();
            }
        }
    }

    private static async Task<long> FileBaselineAsync(string path, long limit)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        using var buffer = new LineBuffer();
        var counter = new TokenCounter(limit);
        await LineBuffer.ReadLinesAsync(stream, buffer, counter.Line, CancellationToken.None);
        return counter.Result;
    }

    private static async Task<long> BlobBaselineAsync(BlobContainerClient container, long limit)
    {
        using var buffer = new LineBuffer();
        var counter = new TokenCounter(limit);
        await foreach (var item in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{Model}/v1/", CancellationToken.None))
        {
            var response = await container.GetBlobClient(item.Name).DownloadStreamingAsync();
            await using var stream = response.Value.Content;
            await LineBuffer.ReadLinesAsync(stream, buffer, counter.Line, CancellationToken.None);
            if (counter.Rows >= limit)
            {
                break;
            }
        }

        return counter.Result;
    }

    private static async Task<long> FileCheckAsync(string path, string profileJson, long limit)
    {
        var reference = JsonSerializer.Deserialize<ReferenceProfile>(profileJson, JsonDefaults.Options)!;
        var builder = new WindowProfileBuilder(reference);
        var parser = new PredictionLogLineParser(builder, ModelTask.BinaryClassification, reference.Predictions?.PositiveClass, DateTimeOffset.MinValue, DateTimeOffset.MaxValue);
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
        {
            using var buffer = new LineBuffer();
            await LineBuffer.ReadLinesAsync(stream, buffer, line =>
            {
                parser.Parse(line);
                return builder.Rows < limit;
            }, CancellationToken.None);
        }

        return Analyze(reference, builder);
    }

    private static async Task<long> BlobCheckAsync(PredictionLogWindowReader reader, string profileJson, DriftWindow window, DateTimeOffset now)
    {
        var reference = JsonSerializer.Deserialize<ReferenceProfile>(profileJson, JsonDefaults.Options)!;
        var builder = new WindowProfileBuilder(reference);
        await reader.ReadAsync(Model, 1, window, now, ModelTask.BinaryClassification, reference.Predictions?.PositiveClass, builder, CancellationToken.None);
        return Analyze(reference, builder);
    }

    private static long Analyze(ReferenceProfile reference, WindowProfileBuilder builder)
    {
        var window = builder.Build();
        var data = DriftAnalyzer.AnalyzeData(reference, window, DriftSettings.Default);
        var predictions = DriftAnalyzer.AnalyzePredictions(reference, window, DriftSettings.Default);
        if (data.CheckedFeatures != Features || predictions?.Scores is null)
        {
            throw new InvalidOperationException($"Only {data.CheckedFeatures} features were checked.");
        }

        return builder.Rows;
    }

    private static async Task<(TimeSpan Time, TimeSpan Cpu, long Rows, long PeakAboveStart)> MeasureAsync(Func<Task<long>> phase)
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
        var cpu = Environment.CpuUsage.TotalTime;
        var watch = Stopwatch.StartNew();
        var rows = await phase();
        watch.Stop();
        cpu = Environment.CpuUsage.TotalTime - cpu;
        await stop.CancelAsync();
        await sampler;
        return (watch.Elapsed, cpu, rows, peak - start);
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

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>The baseline's work per line: every JSON token read, nothing kept.</summary>
    private sealed class TokenCounter(long limit)
    {
        private long _tokens;

        public long Rows { get; private set; }

        public long Result => _tokens > 0 ? Rows : 0;

        public bool Line(ReadOnlySpan<byte> line)
        {
            var reader = new Utf8JsonReader(line);
            while (reader.Read())
            {
                _tokens++;
            }

            return ++Rows < limit;
        }
    }
}
