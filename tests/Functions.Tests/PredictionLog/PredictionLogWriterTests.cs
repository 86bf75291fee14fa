using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using MLOps.Functions.Configuration;
using MLOps.Functions.PredictionLog;
using MLOps.Functions.Scoring;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Tests.PredictionLog;

public sealed class PredictionLogWriterTests : IDisposable
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch.AddHours(1).AddMinutes(5);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private MLOpsMetrics Metrics() => new(_services.GetRequiredService<IMeterFactory>());

    private static JsonRecordInputs Inputs(int rows) =>
        new(JsonDocument.Parse("[" + string.Join(',', Enumerable.Range(1, rows).Select(i => $"{{\"a\":{i}}}")) + "]").RootElement);

    private static ScoreResult Result(int rows = 3) => new()
    {
        Rows = rows,
        IntLabels = Enumerable.Range(0, rows).Select(i => (long)(i % 2)).ToArray(),
        Probabilities = Enumerable.Range(0, rows).SelectMany(i => new[] { 1 - (0.1f * i), 0.1f * i }).ToArray(),
        ClassNames = ["0", "1"],
    };

    private static (Mock<IPredictionLogSink> Sink, List<(PredictionLogSegment Segment, string Lines)> Written) RecordingSink()
    {
        var written = new List<(PredictionLogSegment, string)>();
        var sink = new Mock<IPredictionLogSink>();
        sink.Setup(s => s.AppendAsync(It.IsAny<PredictionLogSegment>(), It.IsAny<ReadOnlyMemory<byte>>(), It.IsAny<CancellationToken>()))
            .Callback<PredictionLogSegment, ReadOnlyMemory<byte>, CancellationToken>((segment, bytes, _) => { lock (written) { written.Add((segment, Encoding.UTF8.GetString(bytes.Span))); } })
            .Returns(Task.CompletedTask);
        return (sink, written);
    }

    [Fact]
    public void Record_WhenFull_ShedsWholeRequestsAndCountsWithoutBlocking()
    {
        var metrics = Metrics();
        var queue = new PredictionLogQueue(Options.Create(new PredictionLogOptions { Capacity = 4 }), metrics);

        var ids = Enumerable.Range(0, 3).Select(_ => queue.Record("churn", 1, At, Inputs(2), Result(2))).ToList();

        Assert.All(ids, batch => Assert.Equal(2, batch.Length));
        Assert.Equal(4, queue.BufferedRows);
        Assert.Equal(2, metrics.PredictionLogDropped);
    }

    [Fact]
    public void Record_Disabled_ReturnsIdsAndCountsEveryRowAsShed()
    {
        var metrics = Metrics();
        var queue = new PredictionLogQueue(Options.Create(new PredictionLogOptions { Enabled = false }), metrics);

        var ids = queue.Record("churn", 1, At, Inputs(3), Result());

        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(0, queue.BufferedRows);
        Assert.Equal(3, metrics.PredictionLogDropped);
    }

    [Fact]
    public async Task StopAsync_FlushesEverythingBuffered_OneWritePerModelVersionHour()
    {
        var metrics = Metrics();
        var options = Options.Create(new PredictionLogOptions { Capacity = 100, BatchSize = 50, FlushInterval = TimeSpan.FromMinutes(5) });
        var queue = new PredictionLogQueue(options, metrics);
        var (sink, written) = RecordingSink();
        var writer = new PredictionLogWriter(queue, sink.Object, options, metrics, TimeProvider.System, NullLogger<PredictionLogWriter>.Instance);

        await writer.StartAsync(CancellationToken.None);
        var ids = queue.Record("churn", 1, At, Inputs(3), Result());
        queue.Record("churn", 1, At.AddHours(1), Inputs(1), Result(1));
        queue.Record("other", 2, At, Inputs(1), Result(1));
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(3, written.Count);
        Assert.Equal([("churn", 1), ("churn", 1), ("other", 2)], written.Select(w => (w.Segment.Model, w.Segment.Version)).Order());
        var lines = written.Single(w => w.Segment.Model == "churn" && w.Segment.Hour == At.AddMinutes(-5)).Lines
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(ids, lines.Select(l => l.GetProperty("predictionId").GetString()));
        var second = lines[1];
        Assert.Equal(At, second.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal("churn", second.GetProperty("model").GetString());
        Assert.Equal(1, second.GetProperty("version").GetInt32());
        Assert.Equal(2, second.GetProperty("inputs").GetProperty("a").GetInt32());
        Assert.Equal(1, second.GetProperty("outputs").GetProperty("label").GetInt64());
        Assert.Equal(0.1, second.GetProperty("outputs").GetProperty("probabilities").GetProperty("1").GetDouble(), 5);
        Assert.Equal(0, queue.BufferedRows);
    }

    [Fact]
    public async Task Writer_FullBatch_IsWrittenWithoutWaitingForTheFlushInterval_PartialBatchWaits()
    {
        var metrics = Metrics();
        var options = Options.Create(new PredictionLogOptions { Capacity = 100, BatchSize = 3, FlushInterval = TimeSpan.FromMinutes(10) });
        var queue = new PredictionLogQueue(options, metrics);
        var (sink, written) = RecordingSink();
        var writer = new PredictionLogWriter(queue, sink.Object, options, metrics, TimeProvider.System, NullLogger<PredictionLogWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);

        queue.Record("churn", 1, At, Inputs(2), Result(2));
        await Task.Delay(300);
        int beforeFull;
        lock (written)
        {
            beforeFull = written.Count;
        }

        queue.Record("churn", 1, At, Inputs(1), Result(1));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (queue.BufferedRows > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var afterFull = written.Sum(w => w.Lines.Count(c => c == '\n'));
        queue.Record("churn", 1, At, Inputs(1), Result(1));
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(0, beforeFull);
        Assert.Equal(3, afterFull);
        Assert.Equal(4, written.Sum(w => w.Lines.Count(c => c == '\n')));
    }

    [Fact]
    public void Record_WideRows_FillABatchAtOneAppendBlockOfLines_BeforeTheRowCount()
    {
        var queue = new PredictionLogQueue(Options.Create(new PredictionLogOptions { Capacity = 1000, BatchSize = 1000 }), Metrics());
        var wide = new JsonRecordInputs(JsonDocument.Parse("[{\"text\":\"" + new string('x', 256 * 1024) + "\"}]").RootElement);

        var rows = 0;
        while (!queue.BatchFull.IsCompleted && rows < 100)
        {
            queue.Record("churn", 1, At, wide, Result(1));
            rows++;
        }

        // 16 rows of 256 KiB make the 4 MiB of one append block; 15 do not.
        Assert.True(queue.BatchFull.IsCompleted);
        Assert.Equal(PredictionLogQueue.FullBatchBytes / (256 * 1024), rows);
        Assert.Equal(rows, queue.BufferedRows);
    }

    [Fact]
    public void Record_AfterComplete_IsShedNotBuffered()
    {
        var metrics = Metrics();
        var queue = new PredictionLogQueue(Options.Create(new PredictionLogOptions()), metrics);

        queue.Complete();
        queue.Record("churn", 1, At, Inputs(1), Result(1));

        Assert.Equal(0, queue.BufferedRows);
        Assert.Equal(1, metrics.PredictionLogDropped);
    }

    [Fact]
    public async Task FlushAsync_SinkFails_RetriesThenCountsTheRowsAsLostWithoutThrowing()
    {
        var metrics = Metrics();
        var options = Options.Create(new PredictionLogOptions());
        var sink = new Mock<IPredictionLogSink>();
        sink.Setup(s => s.AppendAsync(It.IsAny<PredictionLogSegment>(), It.IsAny<ReadOnlyMemory<byte>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("storage down"));
        var writer = new PredictionLogWriter(new PredictionLogQueue(options, metrics), sink.Object, options, metrics, TimeProvider.System, NullLogger<PredictionLogWriter>.Instance);
        var factory = _services.GetRequiredService<IMeterFactory>();
        long lost = 0, written = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name is "mlops.prediction_log.write_failures" or "mlops.prediction_log.written")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "mlops.prediction_log.write_failures")
            {
                Interlocked.Add(ref lost, value);
            }
            else
            {
                Interlocked.Add(ref written, value);
            }
        });
        listener.Start();
        var segment = new PredictionLogSegment("churn", 1, At);

        await writer.FlushAsync(segment, "{}\n{}\n"u8.ToArray(), 2);

        sink.Verify(s => s.AppendAsync(segment, It.IsAny<ReadOnlyMemory<byte>>(), It.IsAny<CancellationToken>()), Times.Exactly(3));
        sink.VerifyNoOtherCalls();
        Assert.Equal(2, Interlocked.Read(ref lost));
        Assert.Equal(0, Interlocked.Read(ref written));
    }

    public void Dispose() => _services.Dispose();
}
