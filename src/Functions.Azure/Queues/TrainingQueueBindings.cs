using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Training;

namespace MLOps.Functions.Azure.Queues;

/// <summary>Azure binding of the training job queue: the host's queue trigger (retries, poison queue) runs the job.</summary>
/// <remarks>
/// Queue name and connection match <c>FunctionCatalog.Queues</c>; host.json <c>extensions.queues</c> sets batch size,
/// polling, visibility timeout and maxDequeueCount for Azure and the local host alike.
/// </remarks>
public sealed class TrainingQueueBindings(TrainingJobRunner runner)
{
    [Function(nameof(RunTrainingJob))]
    public Task RunTrainingJob([QueueTrigger("%TrainingQueue%", Connection = "AzureWebJobsStorage")] string message, CancellationToken cancellationToken) =>
        runner.RunAsync(message, cancellationToken);
}
