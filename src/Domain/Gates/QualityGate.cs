using System.Text.Json.Serialization;

namespace MLOps.Domain.Gates;

/// <summary>One condition a candidate model must meet before it becomes the challenger.</summary>
/// <param name="Metric">A name from <see cref="Evaluation.MetricNames"/>.</param>
/// <param name="Threshold">
/// <see cref="GateKind.Absolute"/>: the worst acceptable value (a minimum when higher is better, a maximum otherwise).
/// <see cref="GateKind.MaxDropVsChampion"/>: the largest acceptable worsening against the champion on the same holdout,
/// in the metric's own units (0.02 AUC, say).
/// </param>
/// <param name="Direction">Whether a larger value of the metric is better.</param>
/// <param name="Kind">Compare with a fixed threshold, or with the champion.</param>
public sealed record QualityGate(
    [property: JsonRequired] string Metric,
    [property: JsonRequired] double Threshold,
    [property: JsonRequired] GateDirection Direction,
    GateKind Kind = GateKind.Absolute)
{
    /// <summary>A readable statement of the rule, for reports and model cards.</summary>
    [JsonIgnore]
    public string Rule => Kind switch
    {
        GateKind.Absolute => $"{Metric} {(Direction == GateDirection.HigherIsBetter ? ">=" : "<=")} {Threshold:G6}",
        _ => $"{Metric} worse than the champion's by at most {Threshold:G6}",
    };
}

public enum GateDirection
{
    HigherIsBetter,
    LowerIsBetter,
}

public enum GateKind
{
    Absolute,
    MaxDropVsChampion,
}
