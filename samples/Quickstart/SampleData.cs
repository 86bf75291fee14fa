using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MLOps.Samples;

/// <summary>Deterministic sample datasets whose labels are drawn from the sample models' own probabilities, so metrics mean something.</summary>
public static class SampleData
{
    public const string ChurnHeader = "age,tenure_months,monthly_charges,plan,has_support,churned";

    /// <summary>Rows in the churn CSV the quickstart writes.</summary>
    public const int DefaultChurnRows = 1000;

    /// <summary>Seed of the churn CSV the quickstart writes.</summary>
    public const int DefaultChurnSeed = 42;

    private static readonly Lazy<string> DefaultChurnSha = new(() => Sha256Hex(ChurnCsv()));

    /// <summary>SHA-256 (lowercase hex) of <see cref="ChurnCsv"/> with its defaults: the dataset the quickstart registers as lineage.</summary>
    public static string DefaultChurnCsvSha256 => DefaultChurnSha.Value;

    /// <summary>One churn row: the features a prediction takes, and the sampled label (1 = churned).</summary>
    public sealed record ChurnRow(float Age, long TenureMonths, double MonthlyCharges, string Plan, bool HasSupport, int Churned);

    /// <summary>The same rows for the same seed on every machine and .NET version (System.Random with a seed is stable).</summary>
    public static IEnumerable<ChurnRow> ChurnRows(int rows, int seed = DefaultChurnSeed)
    {
        var random = new Random(seed);
        for (var i = 0; i < rows; i++)
        {
            var age = (float)Math.Round(18 + (random.NextDouble() * 62), 1);
            var tenure = (long)random.Next(0, 121);
            var plan = SampleModels.Plans[random.Next(SampleModels.Plans.Count)];
            var charges = Math.Round(plan switch { "basic" => 20, "pro" => 60, _ => 140 } + (random.NextDouble() * 60), 2);
            var support = random.NextDouble() < 0.4;
            var p = SampleModels.ChurnProbability(age, tenure, charges, plan, support);
            yield return new ChurnRow(age, tenure, charges, plan, support, random.NextDouble() < p ? 1 : 0);
        }
    }

    /// <summary>The churn CSV as UTF-8 bytes: header, then one row per line, invariant culture, LF line ends.</summary>
    public static byte[] ChurnCsv(int rows = DefaultChurnRows, int seed = DefaultChurnSeed)
    {
        var text = new StringBuilder(ChurnHeader).Append('\n');
        foreach (var row in ChurnRows(rows, seed))
        {
            text.Append(CultureInfo.InvariantCulture, $"{row.Age},{row.TenureMonths},{row.MonthlyCharges},{row.Plan},{(row.HasSupport ? "true" : "false")},{row.Churned}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Writes <see cref="ChurnCsv"/> to <paramref name="path"/> and returns its SHA-256 as lowercase hex.</summary>
    public static string WriteChurnCsv(string path, int rows = DefaultChurnRows, int seed = DefaultChurnSeed)
    {
        var bytes = ChurnCsv(rows, seed);
        File.WriteAllBytes(path, bytes);
        return Sha256Hex(bytes);
    }

    /// <summary>Reads rows back from a CSV written by <see cref="WriteChurnCsv"/>.</summary>
    public static IEnumerable<ChurnRow> ReadChurnCsv(string path)
    {
        foreach (var line in File.ReadLines(path).Skip(1).Where(l => l.Length > 0))
        {
            var f = line.Split(',');
            yield return new ChurnRow(
                float.Parse(f[0], CultureInfo.InvariantCulture),
                long.Parse(f[1], CultureInfo.InvariantCulture),
                double.Parse(f[2], CultureInfo.InvariantCulture),
                f[3],
                bool.Parse(f[4]),
                int.Parse(f[5], CultureInfo.InvariantCulture));
        }
    }

    /// <summary>A row as a record for the predict API: the feature columns by name, without the label.</summary>
    public static Dictionary<string, object> ToRecord(ChurnRow row) => new(StringComparer.Ordinal)
    {
        ["age"] = row.Age,
        ["tenure_months"] = row.TenureMonths,
        ["monthly_charges"] = row.MonthlyCharges,
        ["plan"] = row.Plan,
        ["has_support"] = row.HasSupport,
    };

    private static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
