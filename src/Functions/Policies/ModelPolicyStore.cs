using System.Text.Json;
using MLOps.Domain.Policies;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Registry;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Policies;

/// <summary>Policies in the model's registry partition (row <c>policy</c>), so a change and its audit entry commit in one transaction.</summary>
public sealed class ModelPolicyStore(ModelDocumentRow rows, IModelRegistry registry) : IModelPolicyStore
{
    private const string PolicyRow = "policy";

    public async Task<StoredPolicy> GetAsync(string model, CancellationToken cancellationToken)
    {
        await registry.EnsureModelExistsAsync(model, cancellationToken).ConfigureAwait(false);
        return await rows.FindAsync(model, PolicyRow, cancellationToken).ConfigureAwait(false) is { } stored
            ? ToStored(model, stored)
            : new StoredPolicy(model, ModelPolicy.Default, null, null, null);
    }

    public async Task<StoredPolicy> PutAsync(string model, ModelPolicy policy, string? ifMatch, Principal by, CancellationToken cancellationToken)
    {
        var errors = policy.Check();
        if (errors.Count > 0)
        {
            throw MLOpsException.Validation(errors[0].Message, errors);
        }

        await registry.EnsureModelExistsAsync(model, cancellationToken).ConfigureAwait(false);
        var detail = $"retrainOnNewData={policy.RetrainOnNewData}, retrainOnDrift={policy.RetrainOnDrift}, cooldown={policy.RetrainCooldown}, monitored={policy.Monitored}";
        var stored = await rows.PutAsync(
            model, PolicyRow, JsonSerializer.Serialize(policy, JsonDefaults.Options), ifMatch, by, AuditActions.PolicyChanged, detail, "policy", cancellationToken).ConfigureAwait(false);
        return ToStored(model, stored);
    }

    private static StoredPolicy ToStored(string model, StoredDocument stored) => new(
        model,
        JsonSerializer.Deserialize<ModelPolicy>(stored.Json, JsonDefaults.Options) ?? ModelPolicy.Default,
        stored.ETag,
        stored.UpdatedAt,
        stored.UpdatedBy);
}
