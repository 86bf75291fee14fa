using MLOps.Domain.Retraining;

namespace MLOps.Functions.Retraining;

/// <summary>The one door to retraining: drift checks, data validation and people all ask here.</summary>
/// <remarks>
/// It applies the model's policy (the switches and the cooldown) and the rule that a model never has two runs at once,
/// records every accepted request with an audit entry, and counts every decision in a metric. Suppressed requests are
/// audited too, so "why did it not retrain?" has an answer.
/// </remarks>
public interface IRetrainingTrigger
{
    Task<RetrainingDecision> RequestAsync(RetrainingRequest request, CancellationToken cancellationToken);

    /// <summary>The model's recorded requests, newest first.</summary>
    Task<IReadOnlyList<RetrainingRecord>> ListAsync(string model, int max, CancellationToken cancellationToken);

    /// <summary>Records what became of a request (a pipeline started it, finished it or failed).</summary>
    Task<RetrainingRecord> UpdateStatusAsync(string model, string requestId, RetrainingStatus status, string? runId, CancellationToken cancellationToken);
}
