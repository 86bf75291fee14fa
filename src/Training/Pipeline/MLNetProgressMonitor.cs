using System.Collections;
using System.Reflection;
using Microsoft.ML;

namespace MLOps.Training.Pipeline;

/// <summary>
/// Reads the iteration counts ML.NET's trainers report about themselves ("Training with LightGBM: 40/100 iterations",
/// "FastTree training: 12/100 trees", "SDCA training", "LBFGS Optimizer") while a Fit runs on another thread.
/// </summary>
/// <remarks>
/// ML.NET publishes these through progress channels that only its console host reads; <see cref="MLContext"/> keeps
/// them in an internal tracker and raises no event. This polls that tracker by reflection (ML.NET 5.0.1 layout:
/// MLContext._env → HostEnvironmentBase.ProgressTracker.GetAllProgress()). If a later ML.NET moves it, the monitor
/// reports nothing (callers still see the phase boundaries) and <see cref="Available"/> turns false; a test pins this.
/// </remarks>
internal sealed class MLNetProgressMonitor : IDisposable
{
    private static readonly string[] MainChannels = ["Training with LightGBM", "FastTree training", "SDCA training", "LBFGS Optimizer"];

    private readonly object? _tracker;
    private readonly MethodInfo? _getAllProgress;
    private readonly Action<int, int?> _report;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread? _poller;

    public MLNetProgressMonitor(MLContext ml, TimeSpan interval, Action<int, int?> report)
    {
        _report = report;
        try
        {
            var env = typeof(MLContext).GetField("_env", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(ml);
            FieldInfo? field = null;
            for (var type = env?.GetType(); type is not null && field is null; type = type.BaseType)
            {
                field = type.GetField("ProgressTracker", BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Public);
            }

            _tracker = field?.GetValue(env);
            _getAllProgress = _tracker?.GetType().GetMethod("GetAllProgress");
        }
        catch (Exception e) when (e is MemberAccessException or TargetException)
        {
            _tracker = null;
        }

        if (Available)
        {
            // Its own thread, not a thread-pool timer: a Fit keeps pool threads busy (and so do other jobs and requests),
            // and a starved pool ran no poll for a whole short training run.
            _poller = new Thread(() =>
            {
                while (!_stop.Wait(interval))
                {
                    Poll();
                }
            })
            {
                IsBackground = true,
                Name = "ML.NET progress",
            };
            _poller.Start();
        }
    }

    /// <summary>Whether ML.NET's progress tracker was found.</summary>
    public bool Available => _tracker is not null && _getAllProgress is not null;

    /// <summary>Reads what ML.NET has reported since the last poll and passes on the latest (done, total) of the main channel.</summary>
    /// <remarks>Only the poller thread calls this, and <see cref="Dispose"/> after that thread has ended: never two at once.</remarks>
    private void Poll()
    {
        if (!Available)
        {
            return;
        }

        try
        {
            if (_getAllProgress!.Invoke(_tracker, null) is not IList events)
            {
                return;
            }

            (int Done, int? Total)? latest = null;
            foreach (var e in events)
            {
                if (Read(e) is { } progress)
                {
                    latest = progress;
                }
            }

            if (latest is { } l)
            {
                _report(l.Done, l.Total);
            }
        }
        catch (Exception e) when (e is TargetInvocationException or InvalidCastException or NullReferenceException)
        {
            // A progress read must never break training; the phases still get reported.
        }
    }

    private static (int Done, int? Total)? Read(object e)
    {
        var type = e.GetType();
        if (type.GetField("Name")?.GetValue(e) is not string name || !MainChannels.Any(c => name.StartsWith(c, StringComparison.Ordinal)))
        {
            return null;
        }

        var entry = type.GetField("ProgressEntry")?.GetValue(e);
        if (entry is null)
        {
            return null;
        }

        var entryType = entry.GetType();
        var progress = entryType.GetField("Progress")?.GetValue(entry) as double?[];
        var limits = entryType.GetField("ProgressLim")?.GetValue(entry) as double?[];
        if (progress is not { Length: > 0 } || progress[0] is not { } done)
        {
            return null;
        }

        int? total = limits is { Length: > 0 } && limits[0] is { } t && t > 0 ? (int)t : null;
        return ((int)done, total);
    }

    public void Dispose()
    {
        _stop.Set();
        _poller?.Join();
        _stop.Dispose();
        Poll();
    }
}
