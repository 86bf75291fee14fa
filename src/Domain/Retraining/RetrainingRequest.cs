namespace MLOps.Domain.Retraining;

/// <summary>Why a retraining run was asked for.</summary>
public enum RetrainingReason
{
    /// <summary>A dataset upload passed validation and the policy retrains on new data.</summary>
    NewData,

    /// <summary>A drift check confirmed data or prediction drift.</summary>
    Drift,

    /// <summary>Labelled feedback showed the model's performance decaying.</summary>
    Decay,

    /// <summary>A person asked for it.</summary>
    Manual,
}

/// <summary>A request to retrain a model, from whichever part of the backend noticed the need.</summary>
/// <param name="Model">The model to retrain.</param>
/// <param name="Reason">Why.</param>
/// <param name="Detail">A one-line account for people (which dataset, which features drifted); never raw data.</param>
/// <param name="DatasetUri">The dataset to train on, when the trigger knows one (a validated upload).</param>
/// <param name="RequestedBy">Who asked: a key name, or the function that noticed (e.g. "DriftCheck").</param>
/// <param name="IdempotencyKey">
/// Identifies the work that asks (an upload's validation, say), so that a retry of that work after a crash gets the
/// decision already recorded instead of a second request or a second audit entry. Null: every call is a new request.
/// </param>
public sealed record RetrainingRequest(string Model, RetrainingReason Reason, string Detail, string? DatasetUri, string RequestedBy, string? IdempotencyKey = null);

/// <summary>Where a recorded retraining request stands.</summary>
public enum RetrainingStatus
{
    /// <summary>Recorded; no pipeline was started because none is available to this deployment yet.</summary>
    Recorded,

    /// <summary>A pipeline run was started for it and has not finished.</summary>
    Running,

    Completed,

    Failed,
}

/// <summary>A retraining request as recorded, with what became of it.</summary>
public sealed record RetrainingRecord(
    string Id,
    string Model,
    RetrainingReason Reason,
    string Detail,
    string? DatasetUri,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    RetrainingStatus Status,
    string? RunId = null);

/// <summary>The answer to a retraining request.</summary>
/// <param name="Accepted">Whether the request was recorded (and a run started where a pipeline exists).</param>
/// <param name="Record">The recorded request, when accepted.</param>
/// <param name="SuppressedBecause">Why it was not accepted: cooldown, a run still active, or the policy.</param>
/// <param name="RetryAfter">When an automatic request would next be accepted, for a cooldown.</param>
public sealed record RetrainingDecision(bool Accepted, RetrainingRecord? Record, string? SuppressedBecause, DateTimeOffset? RetryAfter)
{
    public static RetrainingDecision Accept(RetrainingRecord record) => new(true, record, null, null);

    public static RetrainingDecision Suppress(string because, DateTimeOffset? retryAfter = null) => new(false, null, because, retryAfter);
}
