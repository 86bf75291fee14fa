using Azure;
using Azure.Data.Tables;
using MLOps.Domain.Problems;
using MLOps.Domain.Security;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Registry;

/// <summary>
/// A model-level JSON document (its policy, its quality gates) kept as one row of the model's registry partition,
/// replaced with optimistic concurrency and committed together with its audit entry.
/// </summary>
/// <remarks>
/// The caller's If-Match is compared with the row's ETag here rather than handed to storage, so a malformed value is a
/// 412 like a stale one, never a storage error. Without If-Match the last writer wins (a race is retried).
/// </remarks>
public sealed class ModelDocumentRow(StorageClients clients, StorageNames names, TimeProvider time)
{
    private const int MaxAttempts = 5;

    private TableClient Table => clients.Tables.GetTableClient(names.RegistryTable);

    /// <summary>The stored document of that row, or null when none was ever stored.</summary>
    public async Task<StoredDocument?> FindAsync(string model, string row, CancellationToken cancellationToken)
    {
        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(model, row, cancellationToken: cancellationToken).ConfigureAwait(false);
        return entity.HasValue
            ? new StoredDocument(entity.Value!.GetString("Document") ?? "null", entity.Value!.ETag.ToString(), entity.Value!.GetDateTimeOffset("UpdatedAt"), entity.Value!.GetString("UpdatedBy"))
            : null;
    }

    /// <summary>Replaces the document (with <paramref name="ifMatch"/>: only at that ETag, else 412) and audits the change.</summary>
    /// <param name="what">What the document is, for the 412's message ("policy", "gates").</param>
    public async Task<StoredDocument> PutAsync(
        string model, string row, string json, string? ifMatch, Principal by, string auditAction, string auditDetail, string what, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entity = new TableEntity(model, row)
        {
            ["Document"] = json,
            ["UpdatedAt"] = now,
            ["UpdatedBy"] = by.Name,
        };
        for (var attempt = 1; ; attempt++)
        {
            var current = await Table.GetEntityIfExistsAsync<TableEntity>(model, row, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
            if (ifMatch is { } expected
                && (!current.HasValue || (expected.Trim() != "*" && !string.Equals(expected.Trim(), current.Value!.ETag.ToString(), StringComparison.Ordinal))))
            {
                throw Stale(model, what, current.HasValue ? current.Value!.ETag.ToString() : null);
            }

            TableTransactionAction write = current.HasValue
                ? new(TableTransactionActionType.UpdateReplace, entity, current.Value!.ETag)
                : new(TableTransactionActionType.Add, entity);
            try
            {
                var responses = await Table.SubmitTransactionAsync(
                    [write, new(TableTransactionActionType.Add, ModelRegistry.AuditEntity(model, auditAction, by, now, null, auditDetail))],
                    cancellationToken).ConfigureAwait(false);
                return new StoredDocument(json, responses.Value[0].Headers.ETag?.ToString(), now, by.Name);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Someone else wrote in between: a pinned caller loses, an unpinned one writes over the newer value.
                if (ifMatch is not null || attempt >= MaxAttempts)
                {
                    throw Stale(model, what, null);
                }
            }
        }
    }

    private static MLOpsException Stale(string model, string what, string? currentETag) =>
        new(ProblemKind.PreconditionFailed, "Precondition failed.", $"The stored {what} of '{model}' did not match the ETag you sent (If-Match); read the current one and retry.")
        {
            Extensions = { ["currentETag"] = currentETag },
        };
}

/// <summary>A stored model document: its JSON, its ETag for If-Match, and who changed it when.</summary>
public sealed record StoredDocument(string Json, string? ETag, DateTimeOffset? UpdatedAt, string? UpdatedBy);
