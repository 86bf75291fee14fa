using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions.Azure.Timers;

/// <summary>The scheduled drift check. The Functions host runs it once per occurrence across instances (blob-lease singleton) and flags missed occurrences as past due.</summary>
/// <remarks>The schedule is the app setting <c>DriftSchedule</c> (6-field NCRONTAB, e.g. <c>0 */15 * * * *</c>), the same setting the local host reads.</remarks>
public sealed class DriftTimerBindings(DriftFunctions functions)
{
    [Function("DriftCheck")]
    public Task DriftCheck([TimerTrigger("%DriftSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        functions.RunScheduled(timer.IsPastDue, cancellationToken);
}
