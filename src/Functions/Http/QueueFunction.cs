namespace MLOps.Functions.Http;

/// <summary>One queue-triggered function as both hosts run it.</summary>
/// <param name="Name">The function name; the Azure binding's [Function] name is the same.</param>
/// <param name="Queue">The queue name or binding expression, as in [QueueTrigger("%TrainingQueue%")].</param>
/// <param name="Connection">The app setting of the storage connection, as the trigger's Connection.</param>
/// <param name="Handler">Runs the host-agnostic handler on one message's text (already base64-decoded).</param>
public sealed record QueueFunction(string Name, string Queue, string Connection, Func<IServiceProvider, string, CancellationToken, Task> Handler);
