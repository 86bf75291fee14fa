using MLOps.Domain.Policies;
using MLOps.Domain.Security;

namespace MLOps.Functions.Policies;

/// <summary>Each model's <see cref="ModelPolicy"/>; a model with none stored has the defaults.</summary>
public interface IModelPolicyStore
{
    /// <summary>The model's policy and its ETag (null when the defaults apply); 404 for an unknown model.</summary>
    Task<StoredPolicy> GetAsync(string model, CancellationToken cancellationToken);

    /// <summary>Replaces the policy; with <paramref name="ifMatch"/> only if it is still that version (else 412).</summary>
    Task<StoredPolicy> PutAsync(string model, ModelPolicy policy, string? ifMatch, Principal by, CancellationToken cancellationToken);
}

/// <summary>A policy as stored, with its concurrency token.</summary>
public sealed record StoredPolicy(string Model, ModelPolicy Policy, string? ETag, DateTimeOffset? UpdatedAt, string? UpdatedBy);
