using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Local.Blobs;

/// <summary>Where a blob (name + ETag) stands with a trigger.</summary>
public enum ReceiptStatus
{
    Processing,
    Failed,
    Done,
    Poison,
}

/// <summary>One blob's receipt: its status, attempts, and who holds it until when.</summary>
public sealed record BlobReceipt(string Function, string BlobName, string ETag, ReceiptStatus Status, int Attempts, DateTimeOffset LeaseUntil, string? Owner, string? LastError, ETag RowETag);

/// <summary>
/// Blob trigger receipts in Table storage, one row per function, blob name and ETag, as the Functions host keeps them.
/// </summary>
/// <remarks>
/// Claims are optimistic: a new receipt is an insert (the loser of a race gets 409), a takeover of an expired or failed
/// claim is an update conditional on the row's ETag (the loser gets 412). So two instances never process the same blob
/// version at once, and a Done receipt is never processed again, across restarts.
/// </remarks>
public sealed class BlobReceipts(StorageClients clients, StorageNames names)
{
    private TableClient Table => clients.Tables.GetTableClient(names.BlobReceiptsTable);

    /// <summary>Creates the receipts table if it is missing: it belongs to the local host, so the shared start-up does not.</summary>
    public Task EnsureTableAsync(CancellationToken cancellationToken) => clients.Tables.CreateTableIfNotExistsAsync(names.BlobReceiptsTable, cancellationToken);

    /// <summary>The row key of a blob version: a hash of the name (which may hold characters keys cannot) and the ETag.</summary>
    public static string KeyOf(string blobName, string etag) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(blobName)))[..40] + "-" + etag.Trim('"');

    public async Task<BlobReceipt?> GetAsync(string function, string blobName, string etag, CancellationToken cancellationToken)
    {
        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(function, KeyOf(blobName, etag), cancellationToken: cancellationToken).ConfigureAwait(false);
        return entity.HasValue ? From(entity.Value!) : null;
    }

    /// <summary>Inserts a first claim; null when another instance inserted it first.</summary>
    public async Task<BlobReceipt?> TryAddAsync(BlobReceipt receipt, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Table.AddEntityAsync(To(receipt), cancellationToken).ConfigureAwait(false);
            return receipt with { RowETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return null;
        }
    }

    /// <summary>Replaces a receipt if nobody changed it since it was read; null when somebody did.</summary>
    public async Task<BlobReceipt?> TryUpdateAsync(BlobReceipt receipt, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Table.UpdateEntityAsync(To(receipt), receipt.RowETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return receipt with { RowETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }

    private static TableEntity To(BlobReceipt r) => new(r.Function, KeyOf(r.BlobName, r.ETag))
    {
        ["BlobName"] = r.BlobName,
        ["BlobETag"] = r.ETag,
        ["Status"] = r.Status.ToString(),
        ["Attempts"] = r.Attempts,
        ["LeaseUntil"] = r.LeaseUntil,
        ["Owner"] = r.Owner,
        ["LastError"] = r.LastError,
    };

    private static BlobReceipt From(TableEntity e) => new(
        e.PartitionKey,
        e.GetString("BlobName"),
        e.GetString("BlobETag"),
        Enum.Parse<ReceiptStatus>(e.GetString("Status")),
        e.GetInt32("Attempts") ?? 0,
        e.GetDateTimeOffset("LeaseUntil") ?? default,
        e.GetString("Owner"),
        e.GetString("LastError"),
        e.ETag);
}
