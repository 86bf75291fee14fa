using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Functions.Configuration;
using MLOps.Functions.Scoring;
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
        var batch = new List<PredictionRecord>(settings.BatchSize);
        var reader = queue.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            // A row is waiting: let the batch fill until it is full or the oldest row has waited the flush interval.
            // Shutdown (the queue completing) cuts the wait short so that StopAsync can drain at once.
            var ready = queue.BatchReady;
            if (!ready.IsCompleted)
            {
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(ready, Task.Delay(settings.FlushInterval, time, wake.Token)).ConfigureAwait(false);
                await wake.CancelAsync().ConfigureAwait(false);
            }

            queue.Draining();
            while (reader.TryRead(out var record))
            {
                batch.Add(record);
                if (batch.Count == settings.BatchSize)
                {
                    await FlushAsync(batch).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await FlushAsync(batch).ConfigureAwait(false);
                batch.Clear();
            }
        }
    }

    internal async Task FlushAsync(IReadOnlyList<PredictionRecord> batch)
    {
        foreach (var group in batch.GroupBy(r => new PredictionLogSegment(r.Model, r.Version, Hour(r.At))))
        {
            var rows = group.Count();
            var lines = Serialize(group);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await sink.AppendAsync(group.Key, lines.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
                    metrics.PredictionLogWritten(rows);
                    break;
                }
                catch (Exception ex) when (attempt < MaxAttempts)
                {
                    LogWriteRetry(logger, rows, group.Key.Model, attempt, ex.Message);
                    await Task.Delay(RetryDelay * attempt, time).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    metrics.PredictionLogFailed(rows);
                    LogWriteFailed(logger, rows, group.Key.Model, group.Key.Version, ex);
                    break;
                }
            }
        }
    }

    internal static ArrayBufferWriter<byte> Serialize(IEnumerable<PredictionRecord> records)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        foreach (var record in records)
        {
            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WriteString("predictionId", record.PredictionId);
            writer.WriteString("timestamp", record.At);
            writer.WriteString("model", record.Model);
            writer.WriteNumber("version", record.Version);
            writer.WritePropertyName("inputs");
            record.Inputs.WriteRow(writer, record.Row);
            writer.WriteStartObject("outputs");
            PredictionJson.WriteOutputs(writer, record.Result, record.Row);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.Flush();
            buffer.Write("\n"u8);
        }

        return buffer;
    }

    private static DateTimeOffset Hour(DateTimeOffset at) =>
        new(at.UtcDateTime.Year, at.UtcDateTime.Month, at.UtcDateTime.Day, at.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Rows} prediction log rows of {Model} failed (attempt {Attempt}), retrying: {Error}")]
    private static partial void LogWriteRetry(ILogger logger, int rows, string model, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write {Rows} prediction log rows of {Model} version {Version}; they are lost")]
    private static partial void LogWriteFailed(ILogger logger, int rows, string model, int version, Exception exception);
}
