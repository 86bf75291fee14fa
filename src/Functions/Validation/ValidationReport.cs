using System.Globalization;
using System.Text;
using MLOps.Domain.Validation;

namespace MLOps.Functions.Validation;

/// <summary>What happened to an uploaded dataset file: the per-rule verdicts, the score, and the outcome.</summary>
public sealed record ValidationReport
{
    public required string Id { get; init; }

    public required string Model { get; init; }

    /// <summary>The blob name in the datasets container.</summary>
    public required string Path { get; init; }

    public required string Uri { get; init; }

    public required string ETag { get; init; }

    public string? Format { get; init; }

    public string? Delimiter { get; init; }

    public string? Sha256 { get; init; }

    public long Bytes { get; init; }

    public required long Rows { get; init; }

    public required IReadOnlyList<DatasetColumnInfo> Columns { get; init; }

    /// <summary>The champion version whose schema and profile the rules came from; null when there is none.</summary>
    public int? ModelVersion { get; init; }

    public required bool Passed { get; init; }

    /// <summary>Data-quality score, 0 to 100 (see <see cref="DatasetValidationResult.Score"/>).</summary>
    public required double QualityScore { get; init; }

    public required IReadOnlyList<RuleResult> Rules { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>From <see cref="StartedAt"/> to <see cref="FinishedAt"/>, to a tenth of a millisecond.</summary>
    public double DurationMs => Math.Round((FinishedAt - StartedAt).TotalMilliseconds, 1);

    /// <summary>"registered" or "quarantined".</summary>
    public required string Outcome { get; init; }

    public int? DatasetVersion { get; init; }

    public string? QuarantinePath { get; init; }

    public RetrainingOutcome? Retraining { get; init; }

    /// <summary>A short human-readable account (also stored as Markdown next to the JSON).</summary>
    public required string Summary { get; init; }

    /// <summary>The Markdown form: the summary, then one line per rule, then examples of each failure.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# Validation {Id}: {(Passed ? "passed" : "FAILED")}\n\n");
        text.Append(Summary).Append("\n\n");
        text.Append("| Rule | Verdict | Observed | Threshold |\n|---|---|---|---|\n");
        foreach (var rule in Rules)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {Cell(rule.Rule)} | {rule.Verdict.ToString().ToLowerInvariant()} | {Cell(rule.Observed)} | {Cell(rule.Threshold)} |\n");
        }

        foreach (var rule in Rules.Where(r => r.Verdict == RuleVerdict.Failed))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n## {Cell(rule.Rule)}\n\n{Cell(rule.Message)}\n");
            foreach (var example in rule.Examples)
            {
                text.Append(CultureInfo.InvariantCulture, $"- row {example.Row}: {(example.Value is null ? string.Empty : "`" + Cell(example.Value) + "` ")}{Cell(example.Reason)}\n");
            }
        }

        return text.ToString();
    }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal).ReplaceLineEndings(" ");
}

/// <summary>What the hand-off to retraining did for a passing file.</summary>
/// <param name="Requested">Whether the model's policy (retrainOnNewData) asked for retraining.</param>
/// <param name="Accepted">Whether the request was recorded (the pipeline would start) or suppressed.</param>
/// <param name="RequestId">The recorded request.</param>
/// <param name="Detail">Why it was not requested or was suppressed.</param>
public sealed record RetrainingOutcome(bool Requested, bool Accepted, string? RequestId, string? Detail);
