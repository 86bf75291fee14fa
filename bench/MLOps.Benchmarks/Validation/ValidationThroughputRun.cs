using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsvHelper;
using MLOps.Domain.Features;
using MLOps.Domain.Validation;
using MLOps.Functions.Datasets;
using MLOps.Functions.Validation;
using MLOps.Samples;

namespace MLOps.Benchmarks.Validation;

/// <summary>
/// Validation throughput on a generated 1M-row churn CSV against a plain CsvHelper read of the same file, in the same run,
/// with the stages in between so the gap can be attributed.
/// </summary>
/// <remarks>
/// The baseline reads every field of every record as a span (the least a reader can do); the full run is the production
/// path: TabularReader (with SHA-256) and DatasetValidation with the churn model's derived suite plus a uniqueness rule.
/// The stages between add one thing each: parsing every cell with CsvHelper directly (the floor for any validator that
/// parses), our reader, the SHA-256, the rules without uniqueness. All read the file from the page cache; each stage runs
/// 6 times, alternating, and the median of the last 5 counts.
/// </remarks>
public static class ValidationThroughputRun
{
    private const int Repetitions = 6;

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var path = Path.Combine(Path.GetTempPath(), $"mlops-bench-{rows}-{Environment.ProcessId}.csv");
        try
        {
            await WriteCsvAsync(path, rows).ConfigureAwait(false);
            return await MeasureAsync(path, rows).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<int> MeasureAsync(string path, int rows)
    {
        var loadBefore = LoadAverage();
        var bytes = new FileInfo(path).Length;
        var suite = Suite(unique: true);
        var withoutUnique = Suite(unique: false);
        var stages = new (string Name, Func<Task<long>> Run)[]
        {
            ("Plain CsvHelper read (every field as a span)", () => PlainReadAsync(path)),
            ("CsvHelper read + parse every cell (floor)", () => ParsedReadAsync(path)),
            ("TabularReader, rows only", () => ReaderOnlyAsync(path, sha256: false)),
            ("TabularReader + SHA-256", () => ReaderOnlyAsync(path, sha256: true)),
            ($"Validation without uniqueness ({withoutUnique.Rules.Count} rules, SHA-256)", () => ValidateAsync(path, withoutUnique)),
            ($"Validation ({suite.Rules.Count} rules, SHA-256, uniqueness)", () => ValidateAsync(path, suite)),
        };

        var times = stages.Select(_ => new List<double>()).ToArray();
        var cpu = stages.Select(_ => new List<double>()).ToArray();
        var allocated = new long[stages.Length];
        for (var i = 0; i < Repetitions; i++)
        {
            for (var s = 0; s < stages.Length; s++)
            {
                var (seconds, cpuSeconds, bytesAllocated) = await TimeAsync(stages[s].Run).ConfigureAwait(false);
                times[s].Add(seconds);
                cpu[s].Add(cpuSeconds);
                allocated[s] = bytesAllocated;
            }
        }

        // The first round warms the JIT up; the median of the other five counts.
        var medians = times.Select(t => Median(t.Skip(1))).ToArray();
        var cpuMedians = cpu.Select(t => Median(t.Skip(1))).ToArray();
        var mb = bytes / 1024.0 / 1024.0;
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# Validation throughput, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, load average before the run {loadBefore} (after: {LoadAverage()}). File: {rows:N0} rows, {mb:F1} MiB (generated churn CSV, 6 columns). Median of {Repetitions - 1} runs after one warm-up round, stages alternating; spread = min-max of those runs. CPU = the process's CPU time during the stage (all threads), which other processes on the machine inflate much less than wall time.")
            .AppendLine()
            .AppendLine("| Stage | Seconds | Spread | CPU s | Rows/s | MiB/s | Allocated | Ratio to plain read (wall) | Ratio (CPU) |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (var s = 0; s < stages.Length; s++)
        {
            var m = medians[s];
            var runs = times[s].Skip(1).ToList();
            report.AppendLine(CultureInfo.InvariantCulture, $"| {stages[s].Name} | {m:F3} | {runs.Min():F3}-{runs.Max():F3} | {cpuMedians[s]:F3} | {rows / m:N0} | {mb / m:F1} | {allocated[s] / 1024.0 / 1024.0:F1} MiB | {m / medians[0]:F2} | {cpuMedians[s] / cpuMedians[0]:F2} |");
        }

        Console.WriteLine(report);
        var output = Path.Combine(Directory.GetCurrentDirectory(), "docs", "benchmarks", "validation-latest.md");
        if (Directory.Exists(Path.GetDirectoryName(output)))
        {
            await File.WriteAllTextAsync(output, report.ToString()).ConfigureAwait(false);
            Console.WriteLine($"wrote {output}");
        }

        return 0;
    }

    private static ExpectationSuite Suite(bool unique)
    {
        var schema = new FeatureSchema(
        [
            new("age", FeatureType.Float, 18, 100),
            new("tenure_months", FeatureType.Int64, 0, 120),
            new("monthly_charges", FeatureType.Double, 0, 500),
            new("plan", FeatureType.String, Categories: SampleModels.Plans),
            new("has_support", FeatureType.Bool),
        ]);
        var settings = new ModelExpectations
        {
            LabelColumn = "churned",
            Rules = unique ? [new Expectation { Kind = ExpectationKind.Unique, Columns = ["age", "tenure_months", "monthly_charges", "plan"], Mostly = 0.5 }] : [],
        };
        return ExpectationSuite.Derive(schema, null, settings, "churned");
    }

    private static async Task<long> PlainReadAsync(string path)
    {
        await using var csv = CsvReader.Create(File.OpenRead(path), CsvReaderOptions.Default with { Separator = ',' }, leaveOpen: false);
        long total = 0;
        while (await csv.ReadAsync(default).ConfigureAwait(false))
        {
            for (var i = 0; i < csv.FieldCount; i++)
            {
                total += csv.GetSpan(i).Length;
            }
        }

        return total;
    }

    /// <summary>Every cell parsed as its column's type straight from CsvHelper, plus a category lookup: what any validator must at least do.</summary>
    private static async Task<long> ParsedReadAsync(string path)
    {
        await using var csv = CsvReader.Create(File.OpenRead(path), CsvReaderOptions.Default with { Separator = ',', FormatProvider = CultureInfo.InvariantCulture }, leaveOpen: false);
        var plans = new HashSet<string>(SampleModels.Plans, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        var chars = new char[64];
        long total = 0;
        while (await csv.ReadAsync(default).ConfigureAwait(false))
        {
            total += csv.TryParse(0, out double age) && age >= 18 ? 1 : 0;
            total += csv.TryParse(1, out long tenure) && tenure >= 0 ? 1 : 0;
            total += csv.TryParse(2, out double charges) && charges >= 0 ? 1 : 0;
            total += plans.Contains(chars.AsSpan(0, csv.GetChars(3, chars))) ? 1 : 0;
            total += csv.TryParse(4, out bool support) && support ? 1 : 0;
            total += csv.TryParse(5, out long churned) && churned >= 0 ? 1 : 0;
        }

        return total;
    }

    private static async Task<long> ReaderOnlyAsync(string path, bool sha256)
    {
        await using var reader = await TabularReader.OpenAsync(File.OpenRead(path), path, new TabularReaderOptions { Delimiter = ',', ComputeSha256 = sha256 }, default).ConfigureAwait(false);
        while (await reader.ReadAsync(default).ConfigureAwait(false))
        {
        }

        return (await reader.CompleteAsync(default).ConfigureAwait(false)).Rows;
    }

    private static async Task<long> ValidateAsync(string path, ExpectationSuite suite)
    {
        await using var reader = await TabularReader.OpenAsync(File.OpenRead(path), path, new TabularReaderOptions { Delimiter = ',', ComputeSha256 = true }, default).ConfigureAwait(false);
        var (result, _) = await DatasetValidator.ValidateRowsAsync(
            reader, suite, DateTimeOffset.UtcNow, null, () => new SpillingDuplicateKeyCounter(2_000_000, null), default).ConfigureAwait(false);
        if (result.Rows == 0 || result.Rules.Any(r => r.Verdict == RuleVerdict.Failed && r.Kind != ExpectationKind.Unique))
        {
            throw new InvalidOperationException("The benchmark file failed validation: " + string.Join("; ", result.Rules.Where(r => r.Verdict == RuleVerdict.Failed).Select(r => r.Message)));
        }

        return result.Rows;
    }

    private static async Task<(double Seconds, double CpuSeconds, long Allocated)> TimeAsync(Func<Task<long>> run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await run().ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (seconds, (process.TotalProcessorTime - cpu).TotalSeconds, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static async Task WriteCsvAsync(string path, int rows)
    {
        await using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        await writer.WriteAsync(SampleData.ChurnHeader + "\n").ConfigureAwait(false);
        foreach (var row in SampleData.ChurnRows(rows, seed: 1))
        {
            await writer.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"{row.Age},{row.TenureMonths},{row.MonthlyCharges},{row.Plan},{(row.HasSupport ? "true" : "false")},{row.Churned}\n")).ConfigureAwait(false);
        }
    }
}
