using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Benchmarks.Http;
using MLOps.Domain.Gates;
using MLOps.Domain.Registry;
using MLOps.Functions.Datasets;
using MLOps.Functions.Local;
using MLOps.Functions.Storage;
using MLOps.Functions.Training;
using MLOps.Samples;
using MLOps.Training.Synthetic;

namespace MLOps.Benchmarks.TrainingJob;

/// <summary>
/// The passes of a training job over a generated CSV of about 100 MB in Azurite, each timed and its memory watched,
/// against a plain streaming read (with SHA-256) of the same blob in the same run.
/// </summary>
/// <remarks>
/// Shows two things: what each pass costs relative to the least a pass can cost (reading and hashing the blob), and
/// that no pass holds the file: the managed heap stays far below the file's size in prepare and evaluate. Training's
/// memory is ML.NET's own (LightGBM bins every training row), reported for completeness.
/// </remarks>
public static class TrainingJobRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = 500_000;
        var output = "docs/benchmarks/trainjob-latest.md";
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--rows": rows = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--out": output = args[i + 1]; break;
                default: throw new ArgumentException($"unknown option {args[i]}; use --rows N --out FILE");
            }
        }

        var azurite = new AzuriteEmulator(RepoRoot.Path);
        await azurite.EnsureRunningAsync(CancellationToken.None).ConfigureAwait(false);
        var prefix = "b" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var app = LocalFunctionsHost.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["MLOps:Storage:Prefix"] = prefix,
            ["MLOps:BlobTrigger:Enabled"] = "false",
            ["MLOps:PredictionLog:Enabled"] = "false",
            ["TrainingQueue"] = prefix + "training-jobs",
        }));
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            return await MeasureAsync(app, rows, output).ConfigureAwait(false);
        }
        finally
        {
            await CleanUpAsync(app, prefix).ConfigureAwait(false);
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            await azurite.StopIfStartedHereAsync().ConfigureAwait(false);
        }
    }

    private static async Task<int> MeasureAsync(WebApplication app, int rows, string output)
    {
        var services = app.Services;
        var names = services.GetRequiredService<StorageNames>();
        var clients = services.GetRequiredService<StorageClients>();
        var activities = services.GetRequiredService<TrainingActivities>();
        var jobs = services.GetRequiredService<TrainingJobStore>();
        var datasets = services.GetRequiredService<TrainingDatasets>();

        var data = new SyntheticDataset(new SyntheticDatasetOptions
        {
            Task = ModelTask.BinaryClassification,
            Rows = rows,
            NumericFeatures = 16,
            CategoricalFeatures = 2,
            BooleanFeatures = 2,
            MissingShare = 0.02,
            PositiveShare = 0.3,
            Seed = 3,
        });
        var model = "benchjob";
        var blobName = $"{model}/data.csv";
        var container = clients.Blobs.GetBlobContainerClient(names.DatasetsContainer);
        var file = Path.Combine(Path.GetTempPath(), $"mlops-trainjob-{rows}.csv");
        await WriteCsvAsync(data, file).ConfigureAwait(false);
        var bytes = new FileInfo(file).Length;
        await using (var stream = File.OpenRead(file))
        {
            await container.GetBlobClient(blobName).UploadAsync(stream, overwrite: true).ConfigureAwait(false);
        }

        File.Delete(file);
        Console.WriteLine($"Uploaded {bytes / 1024.0 / 1024.0:F1} MiB ({rows:N0} rows x 20 features) to Azurite.");

        var recipe = data.Recipe("lightgbm");
        var location = datasets.Locate("datasets/" + blobName);
        var spec = new TrainingJobSpec
        {
            Model = model,
            JobId = jobs.NewJobId(),
            Recipe = recipe,
            DatasetBlob = location.BlobName,
            DatasetUri = location.Uri.AbsoluteUri,
            Gates = QualityGates.Defaults(ModelTask.BinaryClassification),
            GatesSource = "defaults",
            SubmittedBy = "benchmark",
        };

        var results = new List<(string Name, Measurement M)>();
        var baseline = await MeasureAsync(() => PlainReadAsync(container.GetBlobClient(blobName))).ConfigureAwait(false);
        results.Add(("Plain streaming read of the blob with SHA-256 (baseline)", baseline.M));
        var prepared = await MeasureAsync(() => activities.PrepareDatasetAsync(new PrepareDatasetInput(spec), null, CancellationToken.None)).ConfigureAwait(false);
        results.Add(("prepare: hash, check every row against the recipe, count, split", prepared.M));
        var trained = await MeasureAsync(() => activities.TrainCandidateAsync(new TrainCandidateInput(spec, prepared.Value), null, CancellationToken.None)).ConfigureAwait(false);
        results.Add(("train: one blob pass into typed columns, LightGBM (100 iterations), export ONNX", trained.M));
        var evaluated = await MeasureAsync(() => activities.EvaluateCandidateAsync(new EvaluateCandidateInput(spec, prepared.Value, trained.Value), CancellationToken.None)).ConfigureAwait(false);
        results.Add(("evaluate: profile of the train rows, holdout scored by ONNX Runtime, p95 latency", evaluated.M));
        var gates = TrainingActivities.ApplyGates(new ApplyGatesInput(spec.Gates, evaluated.Value));
        var registered = await MeasureAsync(() => activities.RegisterCandidateAsync(new RegisterCandidateInput(spec, prepared.Value, trained.Value, evaluated.Value, gates), CancellationToken.None)).ConfigureAwait(false);
        results.Add(("register: version, profile, evaluation, card, challenger alias", registered.M));

        var mib = bytes / 1024.0 / 1024.0;
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# Training job passes, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, server GC. Dataset: {rows:N0} rows x 20 features (16 numeric, 2 categorical, 2 boolean, 2% missing), CSV of {mib:F1} MiB in Azurite on loopback; holdout {prepared.Value.Split.HoldoutRows:N0} rows. One run of each step, in job order; ratio = seconds / seconds of the plain read in the same run. Heap = largest managed heap after a GC while the step ran (sampled every 20 ms); allocated = bytes allocated by the process during the step.")
            .AppendLine()
            .AppendLine("| Step | Seconds | Rows/s | MiB/s | Ratio to plain read | Peak heap MiB | Peak working set MiB | Allocated MiB |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, m) in results)
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {m.Seconds:F2} | {rows / m.Seconds:N0} | {mib / m.Seconds:F1} | {m.Seconds / baseline.M.Seconds:F2} | {m.PeakHeap / 1048576.0:F0} | {m.PeakWorkingSet / 1048576.0:F0} | {m.Allocated / 1048576.0:F0} |");
        }

        report.AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Holdout AUC {evaluated.Value.Candidate.Metrics.GetValueOrDefault(Domain.Evaluation.MetricNames.Auc):F4}; p95 single-row latency {evaluated.Value.Candidate.Metrics.GetValueOrDefault(Domain.Evaluation.MetricNames.LatencyP95Ms):F3} ms; model {trained.Value.SizeBytes:N0} bytes; gates {(gates.Passed ? "passed" : "failed")}; registered as version {registered.Value.Version}. Load average at the end: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}.");
        Console.WriteLine(report);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, report.ToString()).ConfigureAwait(false);
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    private static async Task<int> PlainReadAsync(BlobClient blob)
    {
        await using var stream = await blob.OpenReadAsync(new Azure.Storage.Blobs.Models.BlobOpenReadOptions(false) { BufferSize = 4 * 1024 * 1024 }).ConfigureAwait(false);
        await using var reader = await TabularReader.OpenAsync(stream, blob.Name, TabularReaderOptions.Default with { ComputeSha256 = true }, CancellationToken.None).ConfigureAwait(false);
        var count = 0;
        while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            count++;
        }

        await reader.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        return count;
    }

    private sealed record Measurement(double Seconds, long PeakHeap, long PeakWorkingSet, long Allocated);

    private static async Task<(T Value, Measurement M)> MeasureAsync<T>(Func<Task<T>> step)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        long peakHeap = 0, peakWorkingSet = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakHeap = Math.Max(peakHeap, GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes);
                process.Refresh();
                peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
                try
                {
                    await Task.Delay(20, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var clock = Stopwatch.StartNew();
        var value = await step().ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        await stop.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);
        return (value, new Measurement(seconds, peakHeap, peakWorkingSet, allocated));
    }

    private static async Task WriteCsvAsync(SyntheticDataset data, string path)
    {
        await using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        await writer.WriteLineAsync(string.Join(',', data.Columns.Select(c => c.Name))).ConfigureAwait(false);
        var line = new StringBuilder();
        foreach (var row in data.Rows())
        {
            line.Clear();
            for (var c = 0; c < row.Length; c++)
            {
                if (c > 0)
                {
                    line.Append(',');
                }

                switch (row[c])
                {
                    case null: break;
                    case float f: line.Append(f.ToString("R", CultureInfo.InvariantCulture)); break;
                    case bool b: line.Append(b ? "true" : "false"); break;
                    case var v: line.Append(Convert.ToString(v, CultureInfo.InvariantCulture)); break;
                }
            }

            await writer.WriteLineAsync(line).ConfigureAwait(false);
        }
    }

    private static async Task CleanUpAsync(WebApplication app, string prefix)
    {
        // Leave Azurite as it was: this run's containers, tables and queues all carry its prefix.
        await BenchStorage.RemoveContainersAndTablesAsync(app.Services).ConfigureAwait(false);
        var clients = app.Services.GetRequiredService<StorageClients>();

        await clients.Queues.DeleteQueueAsync(prefix + "training-jobs").ConfigureAwait(false);
        await clients.Queues.DeleteQueueAsync(prefix + "training-jobs-poison").ConfigureAwait(false);
    }
}
