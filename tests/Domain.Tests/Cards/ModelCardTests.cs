using MLOps.Domain.Cards;
using MLOps.Domain.Evaluation;
using MLOps.Domain.Gates;
using MLOps.Domain.Registry;
using MLOps.Domain.Splits;

namespace MLOps.Domain.Tests.Cards;

public sealed class ModelCardTests
{
    private static readonly SplitRecord Split = new(42, 0.2, true, HoldoutSplitter.RuleText, 500, 400, 100,
        new Dictionary<string, SplitCounts> { ["false"] = new(470, 376, 94), ["true"] = new(30, 24, 6) }, "ab12");

    private static CardData Data => new("http://x/datasets/churn.csv", "ff00", "csv", 12345, 500, "churned", ["false", "true"],
        [new("age", "Numeric", "float", "Median"), new("plan", "Categorical", "string", null)], Split);

    private static EvaluationReport Report(double ece) => new()
    {
        Task = ModelTask.BinaryClassification,
        Rows = 100,
        Metrics = new Dictionary<string, double> { ["auc"] = 0.91, ["ece"] = ece },
    };

    [Fact]
    public void DeriveLimitations_SmallImbalancedPoorlyCalibratedFailed_SaysSo()
    {
        var gates = new GateReport(false, [], null);

        var limitations = ModelCard.DeriveLimitations(ModelTask.BinaryClassification, Data, Report(0.12), gates);

        Assert.Contains(limitations, l => l.Contains("only 100 rows", StringComparison.Ordinal));
        Assert.Contains(limitations, l => l.Contains("Class 'true' is 6.0%", StringComparison.Ordinal));
        Assert.Contains(limitations, l => l.Contains("ECE 0.120", StringComparison.Ordinal));
        Assert.Contains(limitations, l => l.Contains("quality gate failed", StringComparison.Ordinal));
    }

    [Fact]
    public void DeriveLimitations_LargeBalancedCalibratedPassed_OnlyTheGeneralOnes()
    {
        var balanced = Data with
        {
            Rows = 10_000,
            Split = Split with { HoldoutRows = 2000, Strata = new Dictionary<string, SplitCounts> { ["false"] = new(5000, 4000, 1000), ["true"] = new(5000, 4000, 1000) } },
        };

        var limitations = ModelCard.DeriveLimitations(ModelTask.BinaryClassification, balanced, Report(0.01), new GateReport(true, [], null));

        // The two that hold for every model; a count alone would also let through a wrong specific one in their place.
        Assert.Collection(
            limitations,
            l => Assert.StartsWith("Evaluated on a random holdout of the same dataset", l, StringComparison.Ordinal),
            l => Assert.StartsWith("Predictions for inputs outside the ranges and categories seen in training", l, StringComparison.Ordinal));
    }

    [Fact]
    public void ToMarkdown_HasEverySectionAndEscapesTableCells()
    {
        var gate = new QualityGate("auc", 0.7, GateDirection.HigherIsBetter);
        var card = new ModelCard
        {
            Model = "churn",
            Version = 3,
            Task = ModelTask.BinaryClassification,
            Description = "Line one\nline | two",
            IntendedUse = "Retention calls | not pricing.",
            Data = Data,
            Training = new CardTraining("lightgbm", "Trees", 42, 0.2, new Dictionary<string, double?> { ["numberOfLeaves"] = 31, ["l1Regularization"] = null }, 1.5),
            Metrics = new Dictionary<string, double> { ["auc"] = 0.91 },
            ChampionMetrics = new Dictionary<string, double> { ["auc"] = 0.9 },
            Gates = new GateReport(true, [new GateResult(gate, 0.91, 0.91, null, GateVerdict.Passed, "auc is 0.91 | fine")], 2),
            Limitations = ["One."],
            Lineage = new CardLineage("job-1", "http://x/datasets/churn.csv", "ff00", 2, "1.0"),
            CreatedAt = new DateTimeOffset(2026, 11, 30, 3, 0, 0, TimeSpan.Zero),
            CreatedBy = "ops",
        };

        var markdown = card.ToMarkdown();

        foreach (var heading in new[] { "# Model card: churn version 3", "## Intended use", "## Data", "## Training", "## Metrics (holdout)", "## Quality gates: passed", "## Limitations", "## Lineage" })
        {
            Assert.Contains(heading, markdown, StringComparison.Ordinal);
        }

        Assert.Contains("Retention calls \\| not pricing.", markdown, StringComparison.Ordinal);
        Assert.Contains("| auc | 0.91 | 0.9 |", markdown, StringComparison.Ordinal);
        Assert.Contains("`l1Regularization`: chosen by the trainer", markdown, StringComparison.Ordinal);
        Assert.Contains("Champion at training time: version 2", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("line | two", markdown, StringComparison.Ordinal);
    }
}
