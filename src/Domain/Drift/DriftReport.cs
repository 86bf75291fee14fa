namespace MLOps.Domain.Drift;

/// <summary>Everything one drift check found for one model version: stored as JSON in the reports container, listed in the history.</summary>
public sealed record DriftReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Sortable id: the run's UTC time (yyyyMMddTHHmmssfffZ) and 8 random hex digits.</summary>
    public required string RunId { get; init; }

    public required string Model { get; init; }

    public required int Version { get; init; }

    /// <summary>The aliases that pointed at the version when it was checked.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    public required DateTimeOffset At { get; init; }

    /// <summary>What started the run: the schedule, a past-due schedule, or a person.</summary>
    public required DriftTrigger Trigger { get; init; }

    public string? RequestedBy { get; init; }

    public required DriftRunStatus Status { get; init; }

    /// <summary>Why the run could not compare anything, when it could not.</summary>
    public string? Note { get; init; }

    public required DriftWindowSummary Window { get; init; }

    /// <summary>The version whose reference profile was used (the checked version's own, else the champion's).</summary>
    public int? ReferenceVersion { get; init; }

    public long? ReferenceRows { get; init; }

    public DataDriftResult? Data { get; init; }

    public PredictionDriftResult? Predictions { get; init; }

    public ConceptDriftResult? Concept { get; init; }

    /// <summary>Whether an alert fired, and why (dataset drift, prediction drift, decay).</summary>
    public bool Alert { get; init; }

    public IReadOnlyList<string> AlertReasons { get; init; } = [];

    /// <summary>What became of the retraining request, when one was made.</summary>
    public DriftRetrainingOutcome? Retraining { get; init; }

    /// <summary>The charts stored with the report.</summary>
    public IReadOnlyList<DriftChart> Charts { get; init; } = [];

    public DriftSettings? Settings { get; init; }

    /// <summary>The features, then the prediction outputs, that were compared and scored: what the history keeps and the charts draw.</summary>
    public IEnumerable<FeatureDrift> ScoredFeatures() =>
        (Data?.Features ?? [])
            .Concat(new[] { Predictions?.Labels, Predictions?.Scores }.OfType<FeatureDrift>())
            .Where(f => f.Status == FeatureDriftStatus.Checked && f.Score is not null);
}

/// <summary>The rows a run compared: their time span and count.</summary>
/// <param name="Bytes">Bytes of log lines read (after decompression, for compressed log blobs).</param>
public sealed record DriftWindowSummary(DriftWindowKind Kind, DateTimeOffset From, DateTimeOffset To, long Rows, int Blobs, long Bytes, long SkippedLines);

/// <summary>One chart file of a report.</summary>
/// <param name="Name">File name, unique within the run (e.g. "histogram-income.svg").</param>
/// <param name="Feature">The feature drawn.</param>
/// <param name="Kind">"histogram" (reference vs current) or "score-history".</param>
public sealed record DriftChart(string Name, string Feature, string Kind);

public sealed record DriftRetrainingOutcome(bool Requested, bool Accepted, string? RequestId, string? SuppressedBecause);

public enum DriftTrigger
{
    Schedule,
    PastDue,
    Manual,
}

public enum DriftRunStatus
{
    /// <summary>Compared: see the data, prediction and concept results.</summary>
    Completed,

    /// <summary>Fewer rows than the minimum window; nothing compared.</summary>
    InsufficientData,

    /// <summary>No reference profile for the version (nor the champion); nothing compared.</summary>
    NoReference,
}
