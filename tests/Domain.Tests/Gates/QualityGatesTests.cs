using MLOps.Domain.Evaluation;
using MLOps.Domain.Gates;
using MLOps.Domain.Registry;

namespace MLOps.Domain.Tests.Gates;

public sealed class QualityGatesTests
{
    private static EvaluationReport Report(params (string Name, double Value)[] metrics) => new()
    {
        Task = ModelTask.BinaryClassification,
        Rows = 100,
        Metrics = metrics.ToDictionary(m => m.Name, m => m.Value),
    };

    [Theory]
    [InlineData(ModelTask.BinaryClassification, "auc")]
    [InlineData(ModelTask.MulticlassClassification, "accuracy")]
    [InlineData(ModelTask.Regression, "r2")]
    public void Defaults_PerTask_MinimumDropLatencyAndSize(ModelTask task, string primary)
    {
        var gates = QualityGates.Defaults(task);

        Assert.Equal(4, gates.Count);
        Assert.Contains(gates, g => g.Metric == primary && g.Kind == GateKind.Absolute && g.Direction == GateDirection.HigherIsBetter);
        Assert.Contains(gates, g => g.Metric == primary && g.Kind == GateKind.MaxDropVsChampion);
        Assert.Contains(gates, g => g.Metric == MetricNames.LatencyP95Ms && g.Direction == GateDirection.LowerIsBetter);
        Assert.Contains(gates, g => g.Metric == MetricNames.ModelSizeBytes && g.Direction == GateDirection.LowerIsBetter);
        Assert.Empty(QualityGates.Check(gates.ToList<QualityGate?>(), task));
    }

    [Fact]
    public void Evaluate_AllMet_PassesAndListsEveryGate()
    {
        var gates = QualityGates.Defaults(ModelTask.BinaryClassification);
        var candidate = Report(("auc", 0.85), ("latencyP95Ms", 0.4), ("modelSizeBytes", 20_000));
        var champion = Report(("auc", 0.86));

        var result = QualityGates.Evaluate(gates, candidate, champion, championVersion: 3);

        Assert.True(result.Passed);
        Assert.Equal(gates.Count, result.Gates.Count);
        Assert.All(result.Gates, g => Assert.Equal(GateVerdict.Passed, g.Verdict));
        var drop = result.Gates.Single(g => g.Gate.Kind == GateKind.MaxDropVsChampion);
        Assert.Equal(0.01, drop.Actual!.Value, 12);
        Assert.Equal(0.85, drop.Candidate);
        Assert.Equal(0.86, drop.Champion);
        Assert.Equal(3, result.ChampionVersion);
    }

    [Fact]
    public void Evaluate_BelowMinimum_FailsThatGateWithItsValueAndThreshold()
    {
        var gate = new QualityGate("auc", 0.9, GateDirection.HigherIsBetter);

        var result = QualityGates.Evaluate([gate], Report(("auc", 0.85)), null, null);

        Assert.False(result.Passed);
        var only = Assert.Single(result.Gates);
        Assert.Equal(GateVerdict.Failed, only.Verdict);
        Assert.Equal(0.85, only.Actual);
        Assert.Equal(0.9, only.Gate.Threshold);
    }

    [Fact]
    public void Evaluate_ThresholdExactlyMet_Passes()
    {
        Assert.True(QualityGates.Evaluate([new("auc", 0.85, GateDirection.HigherIsBetter)], Report(("auc", 0.85)), null, null).Passed);
        Assert.True(QualityGates.Evaluate([new("logLoss", 0.5, GateDirection.LowerIsBetter)], Report(("logLoss", 0.5)), null, null).Passed);
        Assert.False(QualityGates.Evaluate([new("logLoss", 0.5, GateDirection.LowerIsBetter)], Report(("logLoss", 0.5001)), null, null).Passed);
    }

    [Fact]
    public void Evaluate_MissingMetric_FailsClosed()
    {
        var result = QualityGates.Evaluate([new("auc", 0.5, GateDirection.HigherIsBetter), new("latencyP95Ms", 10, GateDirection.LowerIsBetter)], Report(("accuracy", 0.9)), null, null);

        Assert.False(result.Passed);
        Assert.All(result.Gates, g => Assert.Equal(GateVerdict.Failed, g.Verdict));
        Assert.All(result.Gates, g => Assert.Null(g.Actual));
        Assert.Contains("fail closed", result.Gates[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_DropBeyondAllowance_Fails()
    {
        var gate = new QualityGate("auc", 0.02, GateDirection.HigherIsBetter, GateKind.MaxDropVsChampion);

        var result = QualityGates.Evaluate([gate], Report(("auc", 0.80)), Report(("auc", 0.83)), 2);

        Assert.False(result.Passed);
        Assert.Equal(0.03, result.Gates[0].Actual!.Value, 12);
    }

    [Fact]
    public void Evaluate_LowerIsBetterDrop_ComparesTheOtherWay()
    {
        var gate = new QualityGate("logLoss", 0.05, GateDirection.LowerIsBetter, GateKind.MaxDropVsChampion);

        var better = QualityGates.Evaluate([gate], Report(("logLoss", 0.30)), Report(("logLoss", 0.40)), 1);
        var worse = QualityGates.Evaluate([gate], Report(("logLoss", 0.50)), Report(("logLoss", 0.40)), 1);

        Assert.True(better.Passed);
        Assert.Equal(-0.10, better.Gates[0].Actual!.Value, 12);
        Assert.False(worse.Passed);
        Assert.Equal(0.10, worse.Gates[0].Actual!.Value, 12);
    }

    [Fact]
    public void Evaluate_NoChampion_ChampionGateIsNotApplicableAndDoesNotFail()
    {
        var gate = new QualityGate("auc", 0.02, GateDirection.HigherIsBetter, GateKind.MaxDropVsChampion);

        var result = QualityGates.Evaluate([gate], Report(("auc", 0.8)), null, null);

        Assert.True(result.Passed);
        Assert.Equal(GateVerdict.NotApplicable, result.Gates[0].Verdict);
    }

    [Fact]
    public void Evaluate_ChampionExistsButCouldNotBeScored_FailsClosed()
    {
        var gate = new QualityGate("auc", 0.02, GateDirection.HigherIsBetter, GateKind.MaxDropVsChampion);

        var result = QualityGates.Evaluate([gate], Report(("auc", 0.8)), champion: null, championVersion: 4);

        Assert.False(result.Passed);
        Assert.Equal(GateVerdict.Failed, result.Gates[0].Verdict);
        Assert.Contains("version 4", result.Gates[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_BadGates_NameEveryProblem()
    {
        QualityGate?[] gates =
        [
            new("aucc", 0.5, GateDirection.HigherIsBetter),
            new("auc", double.NaN, GateDirection.HigherIsBetter),
            new("logLoss", 0.5, GateDirection.HigherIsBetter),
            new("auc", -0.1, GateDirection.HigherIsBetter, GateKind.MaxDropVsChampion),
            new("latencyP95Ms", 1, GateDirection.LowerIsBetter, GateKind.MaxDropVsChampion),
            new("r2", 0.5, GateDirection.HigherIsBetter),
            null,
        ];

        var errors = QualityGates.Check(gates, ModelTask.BinaryClassification);

        Assert.Contains(errors, e => e.Field == "gates[0].metric" && e.Message.Contains("aucc", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "gates[1].threshold");
        Assert.Contains(errors, e => e.Field == "gates[2].direction" && e.Message.Contains("lowerIsBetter", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "gates[3].threshold");
        Assert.Contains(errors, e => e.Field == "gates[4].kind");
        Assert.Contains(errors, e => e.Field == "gates[5].metric");
        Assert.Contains(errors, e => e.Field == "gates[6]");
    }

    [Fact]
    public void Check_TooManyGates_IsOneError()
    {
        var gates = Enumerable.Repeat<QualityGate?>(new("auc", 0.5, GateDirection.HigherIsBetter), QualityGates.MaxGates + 1).ToList();

        Assert.Single(QualityGates.Check(gates, ModelTask.BinaryClassification));
    }
}
