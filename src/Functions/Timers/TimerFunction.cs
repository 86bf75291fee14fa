namespace MLOps.Functions.Timers;

/// <summary>One timer-triggered function as both hosts run it: name, schedule, and the handler.</summary>
/// <param name="Name">The function name; the Azure binding's [Function] name is the same.</param>
/// <param name="Schedule">The schedule as the Azure attribute takes it: <c>%Setting%</c> names an app setting holding a 6-field NCRONTAB expression.</param>
/// <param name="DefaultSchedule">What the local host uses when the setting is absent (Azure requires the setting; the deployment sets it to this).</param>
/// <param name="Handler">Calls the host-agnostic handler with whether this invocation is past due.</param>
public sealed record TimerFunction(string Name, string Schedule, string DefaultSchedule, Func<IServiceProvider, bool, CancellationToken, Task> Handler)
{
    /// <summary>The app setting named by <see cref="Schedule"/>, or null when the schedule is a literal expression.</summary>
    public string? SettingName => Schedule.Length > 2 && Schedule[0] == '%' && Schedule[^1] == '%' ? Schedule[1..^1] : null;
}
