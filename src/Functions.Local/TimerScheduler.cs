using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using MLOps.Functions.Http;
using MLOps.Functions.Storage;
using MLOps.Functions.Timers;
using NCrontab;

namespace MLOps.Functions.Local;

/// <summary>Runs the catalog's timer functions locally with the Functions host's semantics.</summary>
/// <remarks>
/// <para>The schedule comes from the same app setting as the Azure attribute (<c>%DriftSchedule%</c>), a 6-field NCRONTAB
/// expression, in UTC (the Functions default).</para>
/// <para>Singleton across instances: each occurrence is run by the instance that takes a blob lease on
/// <c>locks/timers/{function}.lock</c>; an instance that finds the lease taken, or finds in the status blob that the
/// occurrence already ran, skips it.</para>
/// <para>Past due: like the host's schedule monitor, the status blob (<c>locks/timers/{function}/status</c>: Last, Next,
/// LastUpdated) records the next expected occurrence; an instance starting after that time runs it at once (if no other
/// instance has), with <c>IsPastDue = true</c> when it is more than <see cref="PastDueGrace"/> old. An occurrence only
/// just gone is being run by a live instance at that moment, as late as a running loop's own wake-up may be, not missed. <see cref="TimerSchedulerOptions.RunOnStartup"/> runs once at start as well, like the
/// attribute's RunOnStartup.</para>
/// </remarks>
public sealed partial class TimerScheduler(
    IServiceProvider services,
    IConfiguration configuration,
    StorageClients clients,
    StorageNames names,
    TimeProvider time,
    ILogger<TimerScheduler> logger) : BackgroundService
{
    /// <summary>How late an occurrence found at start may be and still count as on time (see remarks).</summary>
    internal static readonly TimeSpan PastDueGrace = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LeaseRenewal = TimeSpan.FromSeconds(20);

    private readonly ConcurrentQueue<TimerInvocation> _invocations = new();

    /// <summary>The invocations this instance ran, for diagnostics and tests.</summary>
    public IReadOnlyCollection<TimerInvocation> Invocations => _invocations.ToArray();

    private BlobContainerClient Locks => clients.Blobs.GetBlobContainerClient(names.LocksContainer);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = configuration.GetSection(TimerSchedulerOptions.SectionName).Get<TimerSchedulerOptions>() ?? new TimerSchedulerOptions();
        if (!settings.Enabled)
        {
            LogDisabled(logger);
            return;
        }

        await Task.WhenAll(FunctionCatalog.Timers.Select(t => RunTimerAsync(t, settings, stoppingToken))).ConfigureAwait(false);
    }

    /// <summary>The schedule of a timer from its app setting (or its default), parsed as 6-field NCRONTAB.</summary>
    public static CrontabSchedule ScheduleOf(TimerFunction timer, IConfiguration configuration)
    {
        var expression = timer.SettingName is { } setting ? configuration[setting] ?? timer.DefaultSchedule : timer.Schedule;
        try
        {
            return CrontabSchedule.Parse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        }
        catch (CrontabException ex)
        {
            throw new InvalidOperationException($"The schedule of timer '{timer.Name}' ('{expression}', from setting '{timer.SettingName}') is not a 6-field NCRONTAB expression: {ex.Message}", ex);
        }
    }

    private async Task RunTimerAsync(TimerFunction timer, TimerSchedulerOptions settings, CancellationToken stoppingToken)
    {
        var schedule = ScheduleOf(timer, configuration);
        try
        {
            await Locks.CreateIfNotExistsAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
            var status = await ReadStatusAsync(timer, stoppingToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            if (status?.Next is { } expected && expected < now)
            {
                await InvokeAsync(timer, schedule, expected, isPastDue: now - expected > PastDueGrace, stoppingToken).ConfigureAwait(false);
            }
            else if (settings.RunOnStartup)
            {
                await InvokeAsync(timer, schedule, now, isPastDue: false, stoppingToken).ConfigureAwait(false);
            }
            else if (status is null)
            {
                // First start against this storage: record the next occurrence, so a later start can tell it was missed.
                await WriteStatusAsync(timer, new TimerStatus(null, Next(schedule, now), now), stoppingToken).ConfigureAwait(false);
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                var next = Next(schedule, time.GetUtcNow());
                var delay = next - time.GetUtcNow();
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                }

                await InvokeAsync(timer, schedule, next, isPastDue: false, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Runs one occurrence if this instance wins the lease and nobody ran it yet.</summary>
    private async Task InvokeAsync(TimerFunction timer, CrontabSchedule schedule, DateTimeOffset occurrence, bool isPastDue, CancellationToken stoppingToken)
    {
        var lockBlob = Locks.GetBlobClient($"timers/{timer.Name}.lock");
        try
        {
            await lockBlob.UploadAsync(BinaryData.FromString(string.Empty), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, stoppingToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Exists already (or is leased): fine.
        }

        var lease = lockBlob.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(LeaseDuration, cancellationToken: stoppingToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            LogSkipped(logger, timer.Name, occurrence, "another instance holds the lease");
            return;
        }

        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewing = RenewAsync(lease, renewal.Token);
        try
        {
            var status = await ReadStatusAsync(timer, stoppingToken).ConfigureAwait(false);
            if (status?.Last is { } last && last >= occurrence)
            {
                LogSkipped(logger, timer.Name, occurrence, "another instance already ran it");
                return;
            }

            var started = time.GetUtcNow();
            _invocations.Enqueue(new TimerInvocation(timer.Name, occurrence, isPastDue, started));
            LogInvoking(logger, timer.Name, occurrence, isPastDue);
            try
            {
                await timer.Handler(services, isPastDue, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // As in the Functions host: a failed invocation is logged and the schedule goes on.
                LogFailed(logger, timer.Name, ex);
            }

            var now = time.GetUtcNow();
            await WriteStatusAsync(timer, new TimerStatus(occurrence, Next(schedule, now), now), stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await renewal.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            try
            {
                await lease.ReleaseAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            catch (RequestFailedException)
            {
                // Expired or lost: another instance may take it, which is what the lease is for.
            }
        }
    }

    private static async Task RenewAsync(BlobLeaseClient lease, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(LeaseRenewal, cancellationToken).ConfigureAwait(false);
                await lease.RenewAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RequestFailedException)
        {
        }
    }

    private async Task<TimerStatus?> ReadStatusAsync(TimerFunction timer, CancellationToken cancellationToken)
    {
        try
        {
            var content = (await Locks.GetBlobClient(StatusPath(timer)).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            return content.ToObjectFromJson<TimerStatus>(JsonDefaults.Options);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private Task WriteStatusAsync(TimerFunction timer, TimerStatus status, CancellationToken cancellationToken) =>
        Locks.GetBlobClient(StatusPath(timer)).UploadAsync(BinaryData.FromObjectAsJson(status, JsonDefaults.Options), overwrite: true, cancellationToken);

    public static string StatusPath(TimerFunction timer) => $"timers/{timer.Name}/status";

    private static DateTimeOffset Next(CrontabSchedule schedule, DateTimeOffset after) =>
        new(DateTime.SpecifyKind(schedule.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc));

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer {Timer}: running the occurrence of {Occurrence} (past due: {IsPastDue})")]
    private static partial void LogInvoking(ILogger logger, string timer, DateTimeOffset occurrence, bool isPastDue);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Timer {Timer}: occurrence of {Occurrence} skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string timer, DateTimeOffset occurrence, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer {Timer} failed; the schedule continues")]
    private static partial void LogFailed(ILogger logger, string timer, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Timers are disabled (MLOps:Timers:Enabled = false)")]
    private static partial void LogDisabled(ILogger logger);
}

/// <summary>What the status blob holds, as the Functions host's ScheduleStatus: the last run occurrence, the next expected one, when written.</summary>
public sealed record TimerStatus(DateTimeOffset? Last, DateTimeOffset Next, DateTimeOffset LastUpdated);

/// <summary>One timer invocation on this instance.</summary>
public sealed record TimerInvocation(string Timer, DateTimeOffset Occurrence, bool IsPastDue, DateTimeOffset StartedAt);

/// <summary>Local timer settings (section <c>MLOps:Timers</c>).</summary>
public sealed class TimerSchedulerOptions
{
    public const string SectionName = "MLOps:Timers";

    /// <summary>False stops this instance from running timers (the other instances still do).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Run each timer once when the host starts, as the Azure attribute's RunOnStartup does.</summary>
    public bool RunOnStartup { get; set; }
}
