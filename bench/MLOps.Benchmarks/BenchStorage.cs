using Microsoft.Extensions.DependencyInjection;
using MLOps.Functions.Storage;

namespace MLOps.Benchmarks;

/// <summary>Clean-up of the storage a benchmark's host used under its own prefix.</summary>
internal static class BenchStorage
{
    /// <summary>Deletes every container and table of the host's prefix, the local host's own (locks, blob receipts) included.</summary>
    public static async Task RemoveContainersAndTablesAsync(IServiceProvider services)
    {
        var clients = services.GetRequiredService<StorageClients>();
        var names = services.GetRequiredService<StorageNames>();
        foreach (var container in names.Containers.Concat(names.LocalHostContainers))
        {
            await clients.Blobs.GetBlobContainerClient(container).DeleteIfExistsAsync().ConfigureAwait(false);
        }

        foreach (var table in names.Tables.Concat(names.LocalHostTables))
        {
            await clients.Tables.DeleteTableAsync(table).ConfigureAwait(false);
        }
    }
}
