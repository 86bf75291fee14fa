using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MLOps.Samples;

/// <summary>Deterministic sample datasets whose labels follow the sample models, so metrics mean something.</summary>
public static class SampleData
{
    public const string ChurnHeader = "age,tenure_months,monthly_charges,plan,has_support,churned";

    /// <summary>One churn row: the features a prediction takes, and the sampled label.</summary>
    public sealed record ChurnRow(float Age, long TenureMonths, double MonthlyCharges, string Plan, bool HasSupport, int Churned);

    public static IEnumerable<ChurnRow> ChurnRows(int rows, int seed = 42)
    {
        var random = new Random(seed);
        for (var i = 0; i < rows; i++)
        {
            var age = (float)Math.Round(18 + (random.NextDouble() * 62), 1);
            var tenure = (long)random.Next(0, 121);
            var plan = SampleModels.Plans[random.Next(SampleModels.Plans.Length)];
            var charges = Math.Round((plan switch { "basic" => 30, "pro" => 70, _ => 150 }) + (random.NextDouble() * 60), 2);
            var support = random.NextDouble() < 0.4;
            var p = SampleModels.ChurnProbability(age, tenure, charges, plan, support);
            yield return new ChurnRow(age, tenure, charges, plan, support, random.NextDouble() < p ? 1 : 0);
        }
    }

    /// <summary>Writes a churn CSV (invariant culture, LF line ends) and returns its SHA-256 as lowercase hex.</summary>
    public static string WriteChurnCsv(string path, int rows, int seed = 42)
    {
        var text = new StringBuilder(ChurnHeader).Append('\n');
        foreach (var row in ChurnRows(rows, seed))
        {
            text.Append(CultureInfo.InvariantCulture, $"{row.Age},{row.TenureMonths},{row.MonthlyCharges},{row.Plan},{(row.HasSupport ? "true" : "false")},{row.Churned}\n");
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        File.WriteAllBytes(path, bytes);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>A row as a JSON record for the predict API.</summary>
    public static string ToRecordJson(ChurnRow row) => string.Create(
        CultureInfo.InvariantCulture,
        $$"""{"age":{{row.Age}},"tenure_months":{{row.TenureMonths}},"monthly_charges":{{row.MonthlyCharges}},"plan":"{{row.Plan}}","has_support":{{(row.HasSupport ? "true" : "false")}}}""");
}
