using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions.Azure.Http;

/// <summary>Azure bindings of a model's automation policy and retraining requests.</summary>
public sealed class PolicyBindings(PolicyFunctions functions)
{
    [Function(nameof(GetModelPolicy))]
    public Task<IResult> GetModelPolicy([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/policy")] HttpRequest request, string name) =>
        functions.GetPolicy(request, name);

    [Function(nameof(SetModelPolicy))]
    public Task<IResult> SetModelPolicy([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "models/{name}/policy")] HttpRequest request, string name) =>
        functions.SetPolicy(request, name);

    [Function(nameof(ListRetrainingRequests))]
    public Task<IResult> ListRetrainingRequests([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/retraining")] HttpRequest request, string name) =>
        functions.ListRetraining(request, name);

    [Function(nameof(RequestRetraining))]
    public Task<IResult> RequestRetraining([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{name}/retraining")] HttpRequest request, string name) =>
        functions.RequestRetraining(request, name);
}
