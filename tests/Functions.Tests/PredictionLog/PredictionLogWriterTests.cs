using System.Diagnostics.Metrics;
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
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private MLOpsMetrics Metrics() => new(_services.GetRequiredService<IMeterFactory>());

    private static PredictionRecord Record(int row, ScoreResult result, string model = "churn") =>
        new($"id{row}", DateTimeOffset.UnixEpoch.AddHours(1), model, 1, new JsonRecordInputs(JsonDocument.Parse("[{\"a\":1},{\"a\":2},{\"a\":3}]").RootElement.Clone()), result, row);

    private static ScoreResult Result() => new() { Rows = 3, IntLabels = [0, 1, 1], Probabilities = [0.9f, 0.1f, 0.2f, 0.8f, 0.3f, 0.7f], ClassNames = ["0", "1"] };

    [Fact]
    public void TryEnqueue_WhenFull_ShedsAndCountsWithoutBlocking()
    {
        var metrics = Metrics();
        var queue = new PredictionLogQueue(Options.Create(new PredictionLogOptions { Capacity = 2 }), metrics);
        var result = Result();

        var accepted = Enumerable.Range(0, 5).Count(i => queue.TryEnqueue(Record(i % 3, result)));

        Assert.Equal(2, accepted);
        Assert.Equal(3, metrics.PredictionLogDropped);
    }

    [Fact]
    public async Task StopAsync_FlushesEverythingBuffered_InBatchesPerModelVersionHour()
    {
        var metrics = Metrics();
        var options = Options.Create(new PredictionLogOptions { Capacity = 100, BatchSize = 2, FlushInterval = TimeSpan.FromMinutes(5) });
        var queue = new PredictionLogQueue(options, metrics);
        var written = new List<(PredictionLogSegment Segment, string Lines)>();
        var sink = new Mock<IPredictionLogSink>();
        sink.Setup(s => s.AppendAsync(It.IsAny<PredictionLogSegment>(), It.IsAny<ReadOnlyMemory<byte>>(), It.IsAny<CancellationToken>()))
            .Callback<PredictionLogSegment, ReadOnlyMemory<byte>, CancellationToken>((segment, bytes, _) => { lock (written) { written.Add((segment, System.Text.Encoding.UTF8.GetString(bytes.Span))); } })
            .Returns(Task.CompletedTask);
        var writer = new PredictionLogWriter(queue, sink.Object, options, metrics, TimeProvider.System, NullLogger<PredictionLogWriter>.Instance);
        var result = Result();

        await writer.StartAsync(CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            queue.TryEnqueue(Record(i, result));
        }

        queue.TryEnqueue(Record(0, result, model: "other"));
        await writer.StopAsync(CancellationToken.None);

        var lines = written.SelectMany(w => w.Lines.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Equal(["churn", "other"], written.Select(w => w.Segment.Model).Distinct().Order());
        var second = lines.Single(l => l.GetProperty("predictionId").GetString() == "id1" && l.GetProperty("model").GetString() == "churn");
        Assert.Equal(2, second.GetProperty("inputs").GetProperty("a").GetInt32());
        Assert.Equal(1, second.GetProperty("outputs").GetProperty("label").GetInt64());
        Assert.Equal(0.8, second.GetProperty("outputs").GetProperty("probabilities").GetProperty("1").GetDouble(), 5);
    }

    [Fact]
    public async Task Writer_FullBatch_IsWrittenWithoutWaitingForTheFlushInterval_PartialBatchWaits()
    {
        var metrics = Metrics();
        var options = Options.Create(new PredictionLogOptions { Capacity = 100, BatchSize = 3, FlushInterval = TimeSpan.FromMinutes(10) });
        var queue = new PredictionLogQueue(options, metrics);
        var appended = 0;
        var firstWrite = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = new Mock<IPredictionLogSink>();
        sink.Setup(s => s.AppendAsync(It.IsAny<PredictionLogSegment>(), It.IsAny<ReadOnlyMemory<byte>>(), It.IsAny<CancellationToken>()))
            .Callback<PredictionLogSegment, ReadOnlyMemory<byte>, CancellationToken>((_, bytes, _) =>
            {
                Interlocked.Add(ref appended, bytes.Span.Count((byte)'\n'));
                firstWrite.TrySetResult();
            })
            .Returns(Task.CompletedTask);
        var writer = new PredictionLogWriter(queue, sink.Object, options, metrics, TimeProvider.System, NullLogger<PredictionLogWriter>.Instance);
        var result = Result();
        await writer.StartAsync(CancellationToken.None);

        queue.TryEnqueue(Record(0, result));
        queue.TryEnqueue(Record(1, result));
        await Task.Delay(300);
        var beforeFull = Volatile.Read(ref appended);
        queue.TryEnqueue(Record(2, result));
        await firstWrite.Task.WaitAsync(TimeSpan.FromSeconds(30));
        queue.TryEnqueue(Record(0, result));
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(0, beforeFull);
        Assert.Equal(4, appended);
    }

    [Fact]
    public async Task FlushAsync_SinkFails_RetriesThenGivesUpWithoutThrowing()
    {
        var metrics = Metrics();
        var options = Options.Create(new PredictionLogOptions());
        var sink = new Mock<IPredictionLogSink>();
        sink.Setup(s => s.AppendAsync(It.IsAny<PredictionLogSegment>(), It.IsAny<ReadOnlyMemory<byte>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("storage down"));
        var writer = new PredictionLogWriter(new PredictionLogQueue(options, metrics), sink.Object, options, metrics, TimeProvider.System, NullLogger<PredictionLogWriter>.Instance);
        var result = Result();

        await writer.FlushAsync([Record(0, result), Record(1, result)]);

        sink.Verify(s => s.AppendAsync(It.IsAny<PredictionLogSegment>(), It.IsAny<ReadOnlyMemory<byte>>(), It.IsAny<CancellationToken>()), Times.AtLeast(2));
    }

    public void Dispose() => _services.Dispose();
}
