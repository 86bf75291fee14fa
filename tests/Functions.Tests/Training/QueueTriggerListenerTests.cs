using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using MLOps.Functions.Http;
using MLOps.Functions.Local.Queues;
using MLOps.Functions.Tests.Infrastructure;

namespace MLOps.Functions.Tests.Training;

/// <summary>The local queue trigger against real Azurite queues: delete on success, retry, poison after maxDequeueCount.</summary>
public sealed class QueueTriggerListenerTests : IAsyncLifetime
{
    private static readonly QueueTriggerSettings Fast = new(BatchSize: 4, NewBatchThreshold: 2, MaxPollingInterval: TimeSpan.FromMilliseconds(200), VisibilityTimeout: TimeSpan.Zero, MaxDequeueCount: 5, Base64: true);

    private readonly string _name = "q" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    private QueueClient _queue = null!;
    private QueueClient _poison = null!;

    public async Task InitializeAsync()
    {
        await Azurite.EnsureRunningAsync();
        var service = new QueueServiceClient("UseDevelopmentStorage=true");
        _queue = service.GetQueueClient(_name);
        _poison = service.GetQueueClient(_name + "-poison");
    }

    public async Task DisposeAsync()
    {
        await _queue.DeleteIfExistsAsync();
        await _poison.DeleteIfExistsAsync();
    }

    private async Task<ConcurrentQueue<string>> RunAsync(Func<string, Task> handler, Func<ConcurrentQueue<string>, bool> until, params string[] messages)
    {
        await _queue.CreateIfNotExistsAsync();
        foreach (var message in messages)
        {
            await _queue.SendMessageAsync(message);
        }

        var seen = new ConcurrentQueue<string>();
        var function = new QueueFunction("Test", _name, "AzureWebJobsStorage", async (_, text, _) =>
        {
            seen.Enqueue(text);
            await handler(text);
        });
        using var stop = new CancellationTokenSource();
        var listener = new QueueTriggerListener(_queue, _poison, function, Fast, new Moq.Mock<IServiceProvider>().Object, NullLogger.Instance);
        var running = listener.RunAsync(stop.Token);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!until(seen) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await Task.Delay(500); // let the last settle (delete, update, poison) land
        await stop.CancelAsync();
        await running;
        return seen;
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task Success_DecodesBase64AndDeletesTheMessage()
    {
        var seen = await RunAsync(_ => Task.CompletedTask, s => s.Count >= 2, B64("{\"a\":1}"), B64("second"));

        Assert.Equal(["{\"a\":1}", "second"], seen.Order(StringComparer.Ordinal).Reverse().ToArray());
        Assert.Equal(0, (await _queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(0, (await _poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task AlwaysFailing_IsTriedMaxDequeueCountTimesThenPoisoned()
    {
        var seen = await RunAsync(_ => throw new InvalidOperationException("boom"), s => s.Count >= 5, B64("doomed"));

        Assert.Equal(5, seen.Count);
        Assert.Equal(0, (await _queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        var poisoned = Assert.Single((await _poison.ReceiveMessagesAsync(10)).Value);
        Assert.Equal(B64("doomed"), poisoned.MessageText);
    }

    [Fact]
    public async Task FailingTwice_SucceedsOnTheThirdDelivery()
    {
        var attempts = 0;
        var seen = await RunAsync(_ => Interlocked.Increment(ref attempts) <= 2 ? throw new TimeoutException() : Task.CompletedTask, s => s.Count >= 3, B64("flaky"));

        Assert.Equal(3, seen.Count);
        Assert.Equal(0, (await _queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(0, (await _poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task NotBase64_EndsInThePoisonQueueWithoutReachingTheHandler()
    {
        await _poison.CreateIfNotExistsAsync();
        var seen = await RunAsync(_ => Task.CompletedTask, _ => _poison.GetProperties().Value.ApproximateMessagesCount > 0, "%%% not base64 %%%");

        Assert.Empty(seen);
        Assert.Single((await _poison.ReceiveMessagesAsync(10)).Value);
    }

    [Fact]
    public void Settings_FromRepositoryHostJson_MatchTheDocumentedQueueBehaviour()
    {
        var settings = QueueTriggerSettings.Load(Path.Combine(MLOps.Samples.RepoRoot.Path, "host.json"));

        Assert.Equal(5, settings.MaxDequeueCount);
        Assert.Equal(1, settings.BatchSize);
        Assert.True(settings.Base64);
        Assert.Equal(QueueTriggerSettings.Defaults, QueueTriggerSettings.Load("/nonexistent/host.json"));
    }
}
