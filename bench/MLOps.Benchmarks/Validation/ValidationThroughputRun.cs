using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsvHelper;
using MLOps.Domain.Features;
using MLOps.Domain.Validation;
using MLOps.Functions.Datasets;
using MLOps.Samples;

namespace MLOps.Benchmarks.Validation;

/// <summary>
/// Validation throughput on a generated 1M-row churn CSV against a plain CsvHelper read of the same file, in the same run.
/// </summary>
/// <remarks>
/// The baseline reads every field of every record as a span (the least a reader can do); the validation run is the
/// production path: TabularReader (with SHA-256) and DatasetValidation with the churn model's derived suite plus a
/// uniqueness rule. Both read the file from the page cache; each runs 5 times alternately and the median counts.
/// </remarks>
public static class ValidationThroughputRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var path = Path.Combine(Path.GetTempPath(), $"mlops-bench-{rows}.csv");
        await WriteCsvAsync(path, rows).ConfigureAwait(false);
        var bytes = new FileInfo(path).Length;
        var suite = Suite();

        var plain = new List<double>();
        var validated = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            plain.Add(await TimeAsync(() => PlainReadAsync(path)).ConfigureAwait(false));
            validated.Add(await TimeAsync(() => ValidateAsync(path, suite)).ConfigureAwait(false));
        }

        // The first pair warms the JIT up; the median of the other five counts.
        var p = Median(plain.Skip(1));
        var v = Median(validated.Skip(1));
        var mb = bytes / 1024.0 / 1024.0;
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# Validation throughput, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores. File: {rows:N0} rows, {mb:F1} MiB (generated churn CSV, 6 columns). Median of 5 runs after one warm-up each, alternating.")
            .AppendLine()
            .AppendLine("| Run | Seconds | Rows/s | MiB/s | Ratio to plain read |")
            .AppendLine("|---|---:|---:|---:|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| Plain CsvHelper read (every field as a span) | {p:F3} | {rows / p:N0} | {mb / p:F1} | 1.00 |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Validation ({suite.Rules.Count} rules, SHA-256, uniqueness) | {v:F3} | {rows / v:N0} | {mb / v:F1} | {v / p:F2} |")
            .ToString();
        Console.WriteLine(report);
        var output = Path.Combine(Directory.GetCurrentDirectory(), "docs", "benchmarks", "validation-latest.md");
        if (Directory.Exists(Path.GetDirectoryName(output)))
        {
            await File.WriteAllTextAsync(output, report).ConfigureAwait(false);
            Console.WriteLine($"wrote {output}");
        }

        File.Delete(path);
        return 0;
    }

    private static ExpectationSuite Suite()
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
            Rules = [new Expectation { Kind = ExpectationKind.Unique, Columns = ["age", "tenure_months", "monthly_charges", "plan"], Mostly = 0.5 }],
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

    private static async Task<long> ValidateAsync(string path, ExpectationSuite suite)
    {
        await using var reader = await TabularReader.OpenAsync(File.OpenRead(path), path, new TabularReaderOptions { Delimiter = ',', ComputeSha256 = true }, default).ConfigureAwait(false);
        using var validation = new DatasetValidation(suite, [.. reader.Columns.Select(c => new DatasetColumn(c.Name, DeclaredKind.Untyped))], DateTimeOffset.UtcNow, null,
            () => new MLOps.Functions.Validation.SpillingDuplicateKeyCounter(2_000_000, null));
        while (await reader.ReadAsync(default).ConfigureAwait(false))
        {
            validation.Observe(reader);
        }

        await reader.CompleteAsync(default).ConfigureAwait(false);
        var result = validation.Finish();
        if (result.Rows == 0 || result.Rules.Any(r => r.Verdict == RuleVerdict.Failed && r.Kind != ExpectationKind.Unique))
        {
            throw new InvalidOperationException("The benchmark file failed validation: " + string.Join("; ", result.Rules.Where(r => r.Verdict == RuleVerdict.Failed).Select(r => r.Message)));
        }

        return result.Rows;
    }

    private static async Task<double> TimeAsync(Func<Task<long>> run)
    {
        GC.Collect();
        var clock = Stopwatch.StartNew();
        await run().ConfigureAwait(false);
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
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
