using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Functions.Configuration;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.PredictionLog;

/// <summary>Drains the prediction log queue in batches to storage, off the request path; flushes on shutdown.</summary>
public sealed partial class PredictionLogWriter(
    PredictionLogQueue queue,
    IPredictionLogSink sink,
    IOptions<PredictionLogOptions> options,
    MLOpsMetrics metrics,
    TimeProvider time,
    ILogger<PredictionLogWriter> logger) : BackgroundService
{
    private const int MaxAttempts = 3;
    private static readonly TimeSpan ShutdownFlushBudget = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop taking rows, then let ExecuteAsync drain what is buffered before the host goes.
        queue.Complete();
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(ShutdownFlushBudget);
        var execution = ExecuteTask ?? Task.CompletedTask;
        await Task.WhenAny(execution, Task.Delay(Timeout.Infinite, budget.Token)).ConfigureAwait(false);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (true)
        {
            // Sleep until a row arrives, then let the batch fill until it is full or that row has waited the flush
            // interval. Completing the queue (shutdown) ends both waits, so StopAsync drains at once.
            await queue.FirstRow.ConfigureAwait(false);
            var full = queue.BatchFull;
            if (!full.IsCompleted)
            {
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(full, Task.Delay(settings.FlushInterval, time, wake.Token)).ConfigureAwait(false);
                await wake.CancelAsync().ConfigureAwait(false);
            }

            var completed = queue.IsCompleted;
            var taken = queue.TakeAll();
            foreach (var (segment, pending) in taken)
            {
                await FlushAsync(segment, pending.Lines.WrittenMemory, pending.Rows).ConfigureAwait(false);
            }

            queue.Recycle(taken);
            if (completed)
            {
                return;
            }
        }
    }

    /// <summary>Appends one segment's lines, retrying a failed write; rows that still fail are counted as lost.</summary>
    internal async Task FlushAsync(PredictionLogSegment segment, ReadOnlyMemory<byte> lines, int rows)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await sink.AppendAsync(segment, lines, CancellationToken.None).ConfigureAwait(false);
                metrics.PredictionLogWritten(rows);
                return;
            }
            catch (Exception ex) when (attempt < MaxAttempts)
            {
                LogWriteRetry(logger, rows, segment.Model, attempt, ex.Message);
                await Task.Delay(RetryDelay * attempt, time).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                metrics.PredictionLogFailed(rows);
                LogWriteFailed(logger, rows, segment.Model, segment.Version, ex);
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Rows} prediction log rows of {Model} failed (attempt {Attempt}), retrying: {Error}")]
    private static partial void LogWriteRetry(ILogger logger, int rows, string model, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write {Rows} prediction log rows of {Model} version {Version}; they are lost")]
    private static partial void LogWriteFailed(ILogger logger, int rows, string model, int version, Exception exception);
}
