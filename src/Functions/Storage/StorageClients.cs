using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using MLOps.Functions.Configuration;

namespace MLOps.Functions.Storage;

/// <summary>The blob, table and queue service clients for the configured account.</summary>
/// <remarks>
/// The connection is read the way Functions bindings read it, so one setting serves the triggers and
/// the app: a connection string (UseDevelopmentStorage=true for Azurite), or identity-based
/// <c>{name}__blobServiceUri</c>-style settings that use the managed identity.
/// </remarks>
public sealed class StorageClients
{
    public StorageClients(IConfiguration configuration, IOptions<StorageOptions> options)
    {
        var name = options.Value.ConnectionName;
        var connectionString = configuration[name];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            Blobs = new BlobServiceClient(connectionString);
            Tables = new TableServiceClient(connectionString);
            Queues = new QueueServiceClient(connectionString);
            return;
        }

        var section = configuration.GetSection(name);
        var account = section["accountName"];
        var blobUri = section["blobServiceUri"] ?? (account is null ? null : $"https://{account}.blob.core.windows.net");
        var tableUri = section["tableServiceUri"] ?? (account is null ? null : $"https://{account}.table.core.windows.net");
        var queueUri = section["queueServiceUri"] ?? (account is null ? null : $"https://{account}.queue.core.windows.net");
        if (blobUri is null || tableUri is null || queueUri is null)
        {
            throw new InvalidOperationException(
                $"Storage is not configured: set '{name}' to a connection string (UseDevelopmentStorage=true for Azurite) " +
                $"or set '{name}__accountName' (or __blobServiceUri, __tableServiceUri and __queueServiceUri) for managed identity.");
        }

        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = section["clientId"] });
        Blobs = new BlobServiceClient(new Uri(blobUri), credential);
        Tables = new TableServiceClient(new Uri(tableUri), credential);
        Queues = new QueueServiceClient(new Uri(queueUri), credential);
    }

    public BlobServiceClient Blobs { get; }

    public TableServiceClient Tables { get; }

    public QueueServiceClient Queues { get; }
}
