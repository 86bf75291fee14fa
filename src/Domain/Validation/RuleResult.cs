namespace MLOps.Domain.Validation;

/// <summary>Whether a rule held.</summary>
public enum RuleVerdict
{
    Passed,
    Failed,

    /// <summary>Not evaluated, because what it is about is missing (its column, say); another rule fails for that.</summary>
    Skipped,
}

/// <summary>One rule's outcome on one file: the verdict, what was observed against what was required, and examples.</summary>
public sealed record RuleResult
{
    public required string Rule { get; init; }

    public required ExpectationKind Kind { get; init; }

    public string? Column { get; init; }

    public required RuleVerdict Verdict { get; init; }

    /// <summary>What the file showed, in words and numbers ("0.031 null", "min -4, max 250").</summary>
    public required string Observed { get; init; }

    /// <summary>What the rule requires ("at most 0.01 null", "within [18, 100] for 99% of rows").</summary>
    public required string Threshold { get; init; }

    /// <summary>Rows the rule applied to (row-level and fraction rules).</summary>
    public long? Checked { get; init; }

    /// <summary>Rows that broke the rule.</summary>
    public long? Unexpected { get; init; }

    public double? UnexpectedFraction { get; init; }

    /// <summary>The required share of rows, for row-level rules.</summary>
    public double? Mostly { get; init; }

    public required ExpectationSource Source { get; init; }

    /// <summary>Up to the configured number of offending rows.</summary>
    public IReadOnlyList<RowExample> Examples { get; init; } = [];

    /// <summary>One sentence a person can act on.</summary>
    public required string Message { get; init; }
}

/// <summary>One offending row: its 1-based number, the value (clipped, or null), and why it offends.</summary>
public sealed record RowExample(long Row, string? Value, string Reason);
