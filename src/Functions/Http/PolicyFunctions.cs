using Microsoft.AspNetCore.Http;
using MLOps.Domain.Policies;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Retraining;
using MLOps.Domain.Security;
using MLOps.Functions.Policies;
using MLOps.Functions.Retraining;

namespace MLOps.Functions.Http;

/// <summary>HTTP functions for a model's automation policy and its retraining requests.</summary>
public sealed class PolicyFunctions(FunctionRunner runner, IModelPolicyStore policies, IRetrainingTrigger retraining)
{
    private const long SmallBodyBytes = 16 * 1024;

    public Task<IResult> GetPolicy(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var stored = await policies.GetAsync(name, ct).ConfigureAwait(false);
        return Answer(request, stored);
    });

    public Task<IResult> SetPolicy(HttpRequest request, string name) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var policy = await RequestBody.ReadAsync<ModelPolicy>(request, SmallBodyBytes, ct).ConfigureAwait(false);
        var ifMatch = request.Headers.IfMatch.ToString();
        var stored = await policies.PutAsync(name, policy, string.IsNullOrEmpty(ifMatch) ? null : ifMatch, principal, ct).ConfigureAwait(false);
        return Answer(request, stored);
    });

    public Task<IResult> ListRetraining(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var max = ListQuery.Max(request, defaultMax: 50);

        var records = await retraining.ListAsync(name, max, ct).ConfigureAwait(false);
        return RegistryFunctions.Json(new Contracts.ListResponse<RetrainingRecord>(records));
    });

    /// <summary>A person asks for retraining: skips the policy switches and cooldown, never a run already active.</summary>
    public Task<IResult> RequestRetraining(HttpRequest request, string name) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var body = await RequestBody.ReadOptionalAsync<ManualRetrainingRequest>(request, SmallBodyBytes, ct).ConfigureAwait(false);
        RegistryRules.EnsureReason(body?.Reason);
        if (body?.DatasetUri is { } uri && (uri.Length > 2048 || !Uri.TryCreate(uri, UriKind.Absolute, out _)))
        {
            throw MLOpsException.Validation("'datasetUri' must be an absolute URI of at most 2048 characters.", [new("datasetUri", null, "Invalid URI.")]);
        }

        var decision = await retraining.RequestAsync(
            new RetrainingRequest(name, RetrainingReason.Manual, body?.Reason ?? "requested by hand", body?.DatasetUri, principal.Name), ct).ConfigureAwait(false);
        if (!decision.Accepted)
        {
            throw MLOpsException.Conflict($"Retraining of '{name}' was not requested: {decision.SuppressedBecause}.");
        }

        request.HttpContext.Response.Headers.Location = $"/api/models/{name}/retraining";
        return TypedResults.Json(decision.Record, Storage.JsonDefaults.Options, statusCode: StatusCodes.Status202Accepted);
    });

    private static IResult Answer(HttpRequest request, StoredPolicy stored)
    {
        if (stored.ETag is { } etag)
        {
            request.HttpContext.Response.Headers.ETag = etag;
        }

        return RegistryFunctions.Json(new PolicyResponse(stored.Model, stored.Policy, stored.ETag is null, stored.UpdatedAt, stored.UpdatedBy));
    }

    /// <summary>The policy as the API shows it; <c>isDefault</c> says no policy was ever stored for the model.</summary>
    public sealed record PolicyResponse(string Model, ModelPolicy Policy, bool IsDefault, DateTimeOffset? UpdatedAt, string? UpdatedBy);

    /// <summary>Optional body of a manual retraining request.</summary>
    public sealed record ManualRetrainingRequest
    {
        public string? Reason { get; init; }

        public string? DatasetUri { get; init; }
    }
}
