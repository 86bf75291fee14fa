using System.Text;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using MLOps.Functions.Http;

namespace MLOps.Functions.Local.Queues;

/// <summary>Runs one queue-triggered function the way the Functions host's queue trigger does.</summary>
/// <remarks>
/// <para>Polls with back-off (100 ms doubling to <see cref="QueueTriggerSettings.MaxPollingInterval"/> while the queue is
/// empty), fetches up to <see cref="QueueTriggerSettings.BatchSize"/> messages and fetches again when no more than
/// <see cref="QueueTriggerSettings.NewBatchThreshold"/> are still running. A message being processed is invisible for
/// 10 minutes, renewed every 5 while the function runs. Success deletes it. Failure makes it visible again after
/// <see cref="QueueTriggerSettings.VisibilityTimeout"/>; a message that failed on its
/// <see cref="QueueTriggerSettings.MaxDequeueCount"/>th delivery is copied to "&lt;queue&gt;-poison" and deleted.</para>
/// <para>Several instances can poll one queue: the queue service hands each message to one of them at a time.</para>
/// </remarks>
public sealed partial class QueueTriggerListener(QueueClient queue, QueueClient poison, QueueFunction function, QueueTriggerSettings settings, IServiceProvider services, ILogger logger)
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
        await poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
        var running = new List<Task>();
        var delay = MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            if (running.Count > settings.NewBatchThreshold)
            {
                await Task.WhenAny(running).ConfigureAwait(false);
                continue;
            }

            QueueMessage[] messages;
            try
            {
                messages = (await queue.ReceiveMessagesAsync(settings.BatchSize, QueueTriggerSettings.RunningVisibility, stoppingToken).ConfigureAwait(false)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
            {
                LogPollFailed(logger, function.Name, ex.Message);
                messages = [];
            }

            if (messages.Length == 0)
            {
                try
                {
                    await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxPollingInterval.Ticks));
                continue;
            }

            delay = MinPollingInterval;
            foreach (var message in messages)
            {
                running.Add(Task.Run(() => ProcessAsync(message, stoppingToken), CancellationToken.None));
            }
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken stoppingToken)
    {
        var receipt = message.PopReceipt;
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewal = RenewAsync(message.MessageId, () => receipt, r => receipt = r, renewing.Token);
        Exception? failure = null;
        try
        {
            var text = Decode(message);
            await function.Handler(services, text, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            await renewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }

        try
        {
            if (failure is null)
            {
                await queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            if (failure is OperationCanceledException && stoppingToken.IsCancellationRequested)
            {
                // The host is stopping: hand the message back at once for another instance or the next start.
                await queue.UpdateMessageAsync(message.MessageId, receipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                return;
            }

            LogFailed(logger, function.Name, message.MessageId, message.DequeueCount, failure);
            if (message.DequeueCount >= settings.MaxDequeueCount)
            {
                await poison.SendMessageAsync(message.MessageText, CancellationToken.None).ConfigureAwait(false);
                await queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None).ConfigureAwait(false);
                LogPoisoned(logger, function.Name, message.MessageId, message.DequeueCount, poison.Name);
                return;
            }

            await queue.UpdateMessageAsync(message.MessageId, receipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            // The pop receipt expired (the message became visible and someone else took it); the queue redelivers it.
            LogSettleFailed(logger, function.Name, message.MessageId, ex.Message);
        }
    }

    private async Task RenewAsync(string messageId, Func<string> receipt, Action<string> update, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(QueueTriggerSettings.RunningVisibility / 2, cancellationToken).ConfigureAwait(false);
                var renewed = await queue.UpdateMessageAsync(messageId, receipt(), visibilityTimeout: QueueTriggerSettings.RunningVisibility, cancellationToken: cancellationToken).ConfigureAwait(false);
                update(renewed.Value.PopReceipt);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RequestFailedException ex)
        {
            LogSettleFailed(logger, function.Name, messageId, ex.Message);
        }
    }

    private string Decode(QueueMessage message)
    {
        if (!settings.Base64)
        {
            return message.MessageText;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(message.MessageText));
        }
        catch (FormatException)
        {
            // The host fails the invocation when a message is not base64; so do we, and it ends in the poison queue.
            throw new InvalidOperationException($"Message {message.MessageId} is not base64, as messageEncoding requires.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue trigger {Function}: polling failed: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string function, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue trigger {Function}: message {MessageId} failed on delivery {DequeueCount}")]
    private static partial void LogFailed(ILogger logger, string function, string messageId, long dequeueCount, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue trigger {Function}: message {MessageId} failed {DequeueCount} times and was moved to {PoisonQueue}")]
    private static partial void LogPoisoned(ILogger logger, string function, string messageId, long dequeueCount, string poisonQueue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue trigger {Function}: could not settle message {MessageId}: {Error}")]
    private static partial void LogSettleFailed(ILogger logger, string function, string messageId, string error);
}
