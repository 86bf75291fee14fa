using Azure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MLOps.Functions.Storage;

/// <summary>Creates every container and table at start-up, idempotently, so no request finds one missing.</summary>
public sealed partial class StorageInitializer(StorageClients clients, StorageNames names, ILogger<StorageInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (true)
        {
            try
            {
                await Task.WhenAll(
                    names.Containers.Select(c => clients.Blobs.GetBlobContainerClient(c).CreateIfNotExistsAsync(cancellationToken: cancellationToken))
                    .Concat<Task>(names.Tables.Select(t => clients.Tables.CreateTableIfNotExistsAsync(t, cancellationToken)))).ConfigureAwait(false);
                LogReady(logger, names.Containers.Count(), names.Tables.Count());
                return;
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or AggregateException && ++attempt < 5)
            {
                // Azurite may still be coming up when the host starts; a short retry beats a failed start.
                LogRetry(logger, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage ready: {Containers} containers and {Tables} tables exist")]
    private static partial void LogReady(ILogger logger, int containers, int tables);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage not reachable yet (attempt {Attempt}): {Error}")]
    private static partial void LogRetry(ILogger logger, int attempt, string error);
}
