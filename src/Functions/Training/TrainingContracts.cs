using MLOps.Domain.Gates;
using MLOps.Domain.Problems;
using MLOps.Domain.Splits;
using MLOps.Domain.Training;

namespace MLOps.Functions.Training;

/// <summary>Body of <c>POST /api/models/{name}/train</c>.</summary>
public sealed record TrainRequest
{
    public TrainingRecipe? Recipe { get; init; }

    /// <summary>The dataset: <c>datasets/path/file.csv</c> (or .parquet), or the blob's URL in this account's datasets container.</summary>
    public string? DatasetUri { get; init; }

    /// <summary>Becomes the version's description.</summary>
    public string? Description { get; init; }

    /// <summary>What the model is for and what it is not for; goes into the model card.</summary>
    public string? IntendedUse { get; init; }

    /// <summary>Gates for this job only; when absent, the model's stored gates, else the defaults for the task.</summary>
    public IReadOnlyList<QualityGate?>? Gates { get; init; }
}

/// <summary>Where a training job is.</summary>
public enum TrainingJobState
{
    /// <summary>Accepted and waiting on the queue.</summary>
    Queued,

    Running,

    /// <summary>Registered and given the challenger alias.</summary>
    Succeeded,

    /// <summary>Trained and evaluated, but a quality gate failed: nothing was registered.</summary>
    Rejected,

    /// <summary>Stopped by an error (a dataset that does not match the recipe, say): nothing was registered.</summary>
    Failed,
}

/// <summary>A training job as its status URL shows it.</summary>
public sealed record TrainingJob
{
    public required string JobId { get; init; }

    public required string Model { get; init; }

    public required TrainingJobState State { get; init; }

    /// <summary>0 to 100.</summary>
    public required int Progress { get; init; }

    /// <summary>The step running or last run: queued, prepare, train, evaluate, gate, register, done.</summary>
    public required string Stage { get; init; }

    public required DateTimeOffset SubmittedAt { get; init; }

    public required string SubmittedBy { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Times the job has been started (a queue message may be delivered again after a crash).</summary>
    public int Attempts { get; init; }

    public required string DatasetUri { get; init; }

    public required string Trainer { get; init; }

    public IReadOnlyList<JobMessage> Messages { get; init; } = [];

    /// <summary>The registered version, once succeeded.</summary>
    public int? ResultVersion { get; init; }

    public string? DatasetSha256 { get; init; }

    public SplitRecord? Split { get; init; }

    /// <summary>The candidate's metrics on the holdout (the full report is stored with the version and in the job's folder).</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>The champion's metrics on the same holdout, when there is a champion and it could be scored.</summary>
    public IReadOnlyDictionary<string, double>? ChampionMetrics { get; init; }

    public GateReport? Gates { get; init; }

    public JobError? Error { get; init; }
}

/// <summary>One line of a job's log, as the caller sees it.</summary>
public sealed record JobMessage(DateTimeOffset At, string Text);

/// <summary>Why a job failed, shaped like a problem document's members.</summary>
public sealed record JobError(string Title, string Detail, IReadOnlyList<ProblemError>? Errors)
{
    public static JobError From(MLOpsException ex) => new(ex.Title, ex.Detail, ex.Errors.Count == 0 ? null : ex.Errors);
}

/// <summary>The queue message of a training job: just enough to find its state.</summary>
public sealed record TrainingJobMessage(string Model, string JobId);

/// <summary>What a job was asked to do, stored with it so that every attempt (and the activities) read the same input.</summary>
public sealed record TrainingJobSpec
{
    public required string Model { get; init; }

    public required string JobId { get; init; }

    public required TrainingRecipe Recipe { get; init; }

    public required string DatasetBlob { get; init; }

    public required string DatasetUri { get; init; }

    public string? Description { get; init; }

    public string? IntendedUse { get; init; }

    /// <summary>Resolved at submission: the request's, the model's stored gates, or the defaults.</summary>
    public required IReadOnlyList<QualityGate> Gates { get; init; }

    /// <summary>Where the gates came from: request, model or defaults.</summary>
    public required string GatesSource { get; init; }

    public required string SubmittedBy { get; init; }
}
