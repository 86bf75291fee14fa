using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using MLOps.Domain.Policies;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Registry;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Policies;

/// <summary>Policies in the model's registry partition, so a change and its audit entry commit in one transaction.</summary>
public sealed class ModelPolicyStore(StorageClients clients, StorageNames names, IModelRegistry registry, TimeProvider time) : IModelPolicyStore
{
    private const string PolicyRow = "policy";

    private TableClient Table => clients.Tables.GetTableClient(names.RegistryTable);

    public async Task<StoredPolicy> GetAsync(string model, CancellationToken cancellationToken)
    {
        await registry.EnsureModelExistsAsync(model, cancellationToken).ConfigureAwait(false);
        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(model, PolicyRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        return entity.HasValue ? ToStored(model, entity.Value!) : new StoredPolicy(model, ModelPolicy.Default, null, null, null);
    }

    public async Task<StoredPolicy> PutAsync(string model, ModelPolicy policy, string? ifMatch, Principal by, CancellationToken cancellationToken)
    {
        var errors = policy.Check();
        if (errors.Count > 0)
        {
            throw MLOpsException.Validation(errors[0].Message, errors);
        }

        await registry.EnsureModelExistsAsync(model, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var entity = new TableEntity(model, PolicyRow)
        {
            ["Policy"] = JsonSerializer.Serialize(policy, JsonDefaults.Options),
            ["UpdatedAt"] = now,
            ["UpdatedBy"] = by.Name,
        };

        var detail = $"retrainOnNewData={policy.RetrainOnNewData}, retrainOnDrift={policy.RetrainOnDrift}, cooldown={policy.RetrainCooldown}, monitored={policy.Monitored}";
        for (var attempt = 1; ; attempt++)
        {
            // The caller's If-Match is compared here, not handed to storage, so a malformed value is a 412, never a storage error.
            var current = await Table.GetEntityIfExistsAsync<TableEntity>(model, PolicyRow, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
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
                    [write, new(TableTransactionActionType.Add, ModelRegistry.AuditEntity(model, AuditActions.PolicyChanged, by, now, null, detail))],
                    cancellationToken).ConfigureAwait(false);
                return new StoredPolicy(model, policy, responses.Value[0].Headers.ETag?.ToString(), now, by.Name);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Someone else wrote in between: a pinned caller loses, an unpinned one writes over the newer value.
                if (ifMatch is not null || attempt >= 5)
                {
                    throw Stale(model, null);
                }
            }
        }
    }

    private static MLOpsException Stale(string model, string? currentETag) =>
        new(ProblemKind.PreconditionFailed, "Precondition failed.", $"The policy of '{model}' is not at the ETag you sent (If-Match); read it again and retry.")
        {
            Extensions = { ["currentETag"] = currentETag },
        };

    private static StoredPolicy ToStored(string model, TableEntity entity) => new(
        model,
        JsonSerializer.Deserialize<ModelPolicy>(entity.GetString("Policy"), JsonDefaults.Options) ?? ModelPolicy.Default,
        entity.ETag.ToString(),
        entity.GetDateTimeOffset("UpdatedAt"),
        entity.GetString("UpdatedBy"));
}
