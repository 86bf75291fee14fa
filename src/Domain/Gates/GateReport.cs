namespace MLOps.Domain.Gates;

/// <summary>Every gate with the value it saw and its verdict, and the overall verdict.</summary>
/// <param name="Passed">True only when no gate failed.</param>
/// <param name="ChampionVersion">The champion compared against, when there was one.</param>
public sealed record GateReport(bool Passed, IReadOnlyList<GateResult> Gates, int? ChampionVersion);

/// <summary>One gate's outcome.</summary>
/// <param name="Actual">The value compared with the threshold: the candidate's metric, or for a champion gate the drop
/// (how much worse the candidate is; negative when it is better). Null when it could not be computed.</param>
/// <param name="Candidate">The candidate's value of the metric, when known.</param>
/// <param name="Champion">The champion's value on the same holdout, for champion gates, when known.</param>
/// <param name="Reason">Why the verdict is what it is, in words.</param>
public sealed record GateResult(
    QualityGate Gate,
    double? Actual,
    double? Candidate,
    double? Champion,
    GateVerdict Verdict,
    string Reason);

public enum GateVerdict
{
    Passed,
    Failed,

    /// <summary>A champion gate when the model has no champion yet: there is nothing to drop against.</summary>
    NotApplicable,
}
