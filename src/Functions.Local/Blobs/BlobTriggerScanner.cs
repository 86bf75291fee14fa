using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using MLOps.Functions.Http;
using MLOps.Functions.Storage;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Local.Blobs;

/// <summary>
/// The local host's blob trigger: scans each blob function's container and runs the function once per blob version
/// (name + ETag), with the Functions host's rules: receipts in Table storage, 5 attempts, then poison.
/// </summary>
/// <remarks>
/// <para>
/// A claim is a receipt row with a lease time, renewed while the function runs. A graceful stop gives the claim back
/// without counting the attempt; an instance that dies keeps it until the lease runs out, then any instance takes it over
/// and counts the attempt (as Azure counts a redelivered message). A failure is retried after a growing delay; the
/// attempt that reaches <see cref="BlobTriggerOptions.MaxAttempts"/> marks the receipt Poison and puts a message on the
/// <c>webjobs-blobtrigger-poison</c> queue (prefixed), shaped like the host's.
/// </para>
/// <para>Azure does not run this: there the function is bound with [BlobTrigger] and the host keeps its own receipts.</para>
/// </remarks>
public sealed partial class BlobTriggerScanner(
    IServiceProvider services,
    StorageClients clients,
    StorageNames names,
    BlobReceipts receipts,
    MLOpsMetrics metrics,
    TimeProvider time,
    IOptions<BlobTriggerOptions> options,
    ILogger<BlobTriggerScanner> logger) : BackgroundService
{
    private readonly string _instance = $"{Environment.ProcessId}-{Guid.NewGuid():N}";
    private readonly ConcurrentDictionary<string, bool> _settled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var receiptsReady = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            // Nothing is scanned until the receipts table exists; storage that is not up yet is tried again next poll.
            receiptsReady = receiptsReady || await TryCreateReceiptsTableAsync(stoppingToken).ConfigureAwait(false);
            foreach (var function in receiptsReady ? FunctionCatalog.Blobs : [])
            {
                try
                {
                    await ScanAsync(function, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
                {
                    LogScanFailed(logger, function.Name, ex.Message);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }

            try
            {
                await Task.Delay(options.Value.PollInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // Let running functions see the cancellation and give their claims back before the host stops.
        await Task.WhenAll(_running.Values).ConfigureAwait(false);
    }

    private async Task<bool> TryCreateReceiptsTableAsync(CancellationToken stoppingToken)
    {
        try
        {
            await receipts.EnsureTableAsync(stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
        {
            LogScanFailed(logger, "(receipts table)", ex.Message);
            return false;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The delay below ends the loop.
            return false;
        }
    }

    private async Task ScanAsync(BlobFunction function, CancellationToken stoppingToken)
    {
        var container = clients.Blobs.GetBlobContainerClient(names.Prefixed(function.Container));
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = function.NamePrefix }, stoppingToken).ConfigureAwait(false))
        {
            var etag = blob.Properties.ETag?.ToString() ?? string.Empty;
            var key = function.Name + "|" + BlobReceipts.KeyOf(blob.Name, etag);
            if (_settled.ContainsKey(key) || _running.ContainsKey(blob.Name))
            {
                continue;
            }

            while (_running.Count >= options.Value.MaxConcurrency)
            {
                await Task.WhenAny(_running.Values).ConfigureAwait(false);
            }

            _running[blob.Name] = Task.Run(() => RunAsync(function, blob.Name, etag, key, stoppingToken), CancellationToken.None)
                .ContinueWith(_ => _running.TryRemove(blob.Name, out var _), TaskScheduler.Default);
        }
    }

    private async Task RunAsync(BlobFunction function, string name, string etag, string key, CancellationToken stoppingToken)
    {
        BlobReceipt? claim;
        try
        {
            claim = await ClaimAsync(function, name, etag, key, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or OperationCanceledException)
        {
            return; // Storage hiccup or stopping: the next scan tries again.
        }

        if (claim is null)
        {
            return;
        }

        using var run = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewal = RenewAsync(claim, run.Token);
        Exception? failure = null;
        try
        {
            await function.Handler(services, name, run.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped, not failed: the claim is given back below.
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        await run.CancelAsync().ConfigureAwait(false);
        var held = await renewal.ConfigureAwait(false) ?? claim;

        // Settling the receipt must not depend on the stopping token: a stop is exactly when it matters.
        using var settle = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            if (stoppingToken.IsCancellationRequested && failure is null)
            {
                var released = await receipts.TryUpdateAsync(held with { Status = ReceiptStatus.Failed, Attempts = claim.Attempts - 1, LeaseUntil = time.GetUtcNow(), Owner = null }, settle.Token).ConfigureAwait(false);
                LogReleased(logger, function.Name, name, released is not null);
                return;
            }

            if (failure is null)
            {
                await receipts.TryUpdateAsync(held with { Status = ReceiptStatus.Done, LeaseUntil = time.GetUtcNow(), Owner = _instance, LastError = null }, settle.Token).ConfigureAwait(false);
                _settled[key] = true;
                return;
            }

            var error = $"{failure.GetType().Name}: {Clip(failure.Message)}";
            if (held.Attempts >= options.Value.MaxAttempts)
            {
                await PoisonAsync(function, held with { LastError = error }, settle.Token).ConfigureAwait(false);
                _settled[key] = true;
                return;
            }

            LogAttemptFailed(logger, failure, function.Name, name, held.Attempts, options.Value.MaxAttempts);
            await receipts.TryUpdateAsync(
                held with { Status = ReceiptStatus.Failed, LeaseUntil = time.GetUtcNow() + (options.Value.RetryDelay * held.Attempts), Owner = null, LastError = error },
                settle.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or OperationCanceledException)
        {
            LogSettleFailed(logger, function.Name, name, ex.Message); // The lease runs out and the blob is retried.
        }
    }

    /// <summary>Claims the blob version for this instance; null when it is settled, held by another instance, or not due.</summary>
    private async Task<BlobReceipt?> ClaimAsync(BlobFunction function, string name, string etag, string key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var lease = now + options.Value.LeaseDuration;
        var receipt = await receipts.GetAsync(function.Name, name, etag, cancellationToken).ConfigureAwait(false);
        if (receipt is null)
        {
            return await receipts.TryAddAsync(new BlobReceipt(function.Name, name, etag, ReceiptStatus.Processing, 1, lease, _instance, null, default), cancellationToken).ConfigureAwait(false);
        }

        if (receipt.Status is ReceiptStatus.Done or ReceiptStatus.Poison)
        {
            _settled[key] = true;
            return null;
        }

        if (receipt.LeaseUntil > now)
        {
            return null; // Running elsewhere, or waiting for its retry delay.
        }

        if (receipt.Attempts >= options.Value.MaxAttempts)
        {
            // The last attempt died without settling (its instance crashed): that was the fifth failure.
            await PoisonAsync(function, receipt with { LastError = receipt.LastError ?? "The instance processing it stopped without finishing." }, cancellationToken).ConfigureAwait(false);
            _settled[key] = true;
            return null;
        }

        if (receipt.Status == ReceiptStatus.Processing)
        {
            LogTakeover(logger, function.Name, name, receipt.Owner ?? "?");
        }

        return await receipts.TryUpdateAsync(receipt with { Status = ReceiptStatus.Processing, Attempts = receipt.Attempts + 1, LeaseUntil = lease, Owner = _instance }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Extends the lease while the function runs; returns the latest receipt (for its row ETag).</summary>
    private async Task<BlobReceipt?> RenewAsync(BlobReceipt claim, CancellationToken cancellationToken)
    {
        var current = claim;
        try
        {
            while (true)
            {
                await Task.Delay(options.Value.LeaseDuration / 3, time, cancellationToken).ConfigureAwait(false);
                current = await receipts.TryUpdateAsync(current with { LeaseUntil = time.GetUtcNow() + options.Value.LeaseDuration }, CancellationToken.None).ConfigureAwait(false)
                    ?? current;
            }
        }
        catch (OperationCanceledException)
        {
            return current;
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
        {
            return current;
        }
    }

    private async Task PoisonAsync(BlobFunction function, BlobReceipt receipt, CancellationToken cancellationToken)
    {
        var container = names.Prefixed(function.Container);
        var queue = clients.Queues.GetQueueClient(names.BlobTriggerPoisonQueue);
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var message = JsonSerializer.Serialize(new { FunctionId = function.Name, BlobType = "BlockBlob", ContainerName = container, BlobName = receipt.BlobName, ETag = receipt.ETag });
        await queue.SendMessageAsync(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(message)), cancellationToken).ConfigureAwait(false);
        await receipts.TryUpdateAsync(receipt with { Status = ReceiptStatus.Poison, LeaseUntil = time.GetUtcNow(), Owner = null }, cancellationToken).ConfigureAwait(false);
        metrics.BlobTriggerPoisoned(function.Name);
        LogPoison(logger, function.Name, receipt.BlobName, receipt.Attempts, receipt.LastError ?? string.Empty);
    }

    private static string Clip(string s) => s.Length <= 300 ? s : s[..300] + "...";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob scan for {Function} failed: {Error}")]
    private static partial void LogScanFailed(ILogger logger, string function, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function} failed on blob {Blob}, attempt {Attempt} of {MaxAttempts}")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, string function, string blob, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function}: blob {Blob} is poison after {Attempts} attempts: {Error}")]
    private static partial void LogPoison(ILogger logger, string function, string blob, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Function}: host stopping, claim on blob {Blob} given back ({Released})")]
    private static partial void LogReleased(ILogger logger, string function, string blob, bool released);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function}: taking over blob {Blob} from {Owner}, whose lease ran out")]
    private static partial void LogTakeover(ILogger logger, string function, string blob, string owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function}: could not settle the receipt of blob {Blob}: {Error}")]
    private static partial void LogSettleFailed(ILogger logger, string function, string blob, string error);
}

/// <summary>Registration of the local blob trigger; only the local host calls it.</summary>
public static class BlobTriggerRegistration
{
    public static IServiceCollection AddLocalBlobTriggers(this IServiceCollection services)
    {
        services.AddOptions<BlobTriggerOptions>().BindConfiguration(BlobTriggerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BlobReceipts>();
        services.AddHostedService<BlobTriggerScanner>();
        return services;
    }
}
