using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using MLOps.Domain.Gates;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Registry;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Training;

/// <summary>A model's stored quality gates, used by every training job of the model that does not bring its own.</summary>
/// <remarks>
/// Kept in the model's registry partition (row <c>gates</c>) so that a change and its audit entry commit in one
/// transaction, as policies do. Without stored gates a model gets <see cref="QualityGates.Defaults"/> for its task.
/// </remarks>
public sealed class QualityGateStore(StorageClients clients, StorageNames names, IModelRegistry registry, TimeProvider time)
{
    public const string AuditAction = "gates.changed";
    private const string GatesRow = "gates";

    private TableClient Table => clients.Tables.GetTableClient(names.RegistryTable);

    /// <summary>The stored gates, or null when none were ever stored (the model must exist).</summary>
    public async Task<StoredGates?> FindAsync(string model, CancellationToken cancellationToken)
    {
        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(model, GatesRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        return entity.HasValue ? ToStored(model, entity.Value!) : null;
    }

    public async Task<StoredGates> PutAsync(string model, IReadOnlyList<QualityGate> gates, string? ifMatch, Principal by, CancellationToken cancellationToken)
    {
        await registry.EnsureModelExistsAsync(model, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var entity = new TableEntity(model, GatesRow)
        {
            ["Gates"] = JsonSerializer.Serialize(gates, JsonDefaults.Options),
            ["UpdatedAt"] = now,
            ["UpdatedBy"] = by.Name,
        };
        var detail = string.Join("; ", gates.Select(g => g.Rule));
        if (detail.Length > 1000)
        {
            detail = detail[..1000] + "...";
        }

        for (var attempt = 1; ; attempt++)
        {
            var current = await Table.GetEntityIfExistsAsync<TableEntity>(model, GatesRow, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
            if (ifMatch is { } expected
                && (!current.HasValue || (expected.Trim() != "*" && !string.Equals(expected.Trim(), current.Value!.ETag.ToString(), StringComparison.Ordinal))))
            {
                throw Stale(model, current.HasValue ? current.Value!.ETag.ToString() : null);
            }

            TableTransactionAction write = current.HasValue
                ? new(TableTransactionActionType.UpdateReplace, entity, current.Value!.ETag)
                : new(TableTransactionActionType.Add, entity);
            try
            {
                var responses = await Table.SubmitTransactionAsync(
                    [write, new(TableTransactionActionType.Add, ModelRegistry.AuditEntity(model, AuditAction, by, now, null, detail))],
                    cancellationToken).ConfigureAwait(false);
                return new StoredGates(model, gates, responses.Value[0].Headers.ETag?.ToString(), now, by.Name);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                if (ifMatch is not null || attempt >= 5)
                {
                    throw Stale(model, null);
                }
            }
        }
    }

    private static MLOpsException Stale(string model, string? currentETag) =>
        new(ProblemKind.PreconditionFailed, "Precondition failed.", $"The gates of '{model}' are not at the ETag you sent (If-Match); read them again and retry.")
        {
            Extensions = { ["currentETag"] = currentETag },
        };

    private static StoredGates ToStored(string model, TableEntity entity) => new(
        model,
        JsonSerializer.Deserialize<List<QualityGate>>(entity.GetString("Gates"), JsonDefaults.Options) ?? [],
        entity.ETag.ToString(),
        entity.GetDateTimeOffset("UpdatedAt"),
        entity.GetString("UpdatedBy"));
}

/// <summary>A model's gates as stored, with the ETag to send back as If-Match.</summary>
public sealed record StoredGates(string Model, IReadOnlyList<QualityGate> Gates, string? ETag, DateTimeOffset? UpdatedAt, string? UpdatedBy);
