using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions.Azure.Http;

/// <summary>Azure bindings of the model registry: models, versions, aliases, alias history and audit.</summary>
/// <remarks>
/// Every HTTP binding in this project is <see cref="AuthorizationLevel.Anonymous"/> on purpose: the handlers check the
/// <c>x-functions-key</c> header against the app's own keys and roles (reader, operator, approver, admin), the same way
/// on both hosts. Letting the Functions host check its function keys as well would give Azure a second, different
/// key store and answer with its own empty 401 instead of the app's problem document.
/// </remarks>
public sealed class RegistryBindings(RegistryFunctions functions)
{
    [Function(nameof(ListModels))]
    public Task<IResult> ListModels([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models")] HttpRequest request) =>
        functions.ListModels(request);

    [Function(nameof(GetModel))]
    public Task<IResult> GetModel([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}")] HttpRequest request, string name) =>
        functions.GetModel(request, name);

    [Function(nameof(DeclareModel))]
    public Task<IResult> DeclareModel([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "models/{name}")] HttpRequest request, string name) =>
        functions.DeclareModel(request, name);

    [Function(nameof(RegisterModelVersion))]
    public Task<IResult> RegisterModelVersion([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{name}/versions")] HttpRequest request, string name) =>
        functions.RegisterVersion(request, name);

    [Function(nameof(ListModelVersions))]
    public Task<IResult> ListModelVersions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/versions")] HttpRequest request, string name) =>
        functions.ListVersions(request, name);

    [Function(nameof(GetModelVersion))]
    public Task<IResult> GetModelVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/versions/{version}")] HttpRequest request, string name, string version) =>
        functions.GetVersion(request, name, version);

    [Function(nameof(ArchiveModelVersion))]
    public Task<IResult> ArchiveModelVersion([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{name}/versions/{version}/archive")] HttpRequest request, string name, string version) =>
        functions.ArchiveVersion(request, name, version);

    [Function(nameof(ListAliases))]
    public Task<IResult> ListAliases([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/aliases")] HttpRequest request, string name) =>
        functions.ListAliases(request, name);

    [Function(nameof(GetAlias))]
    public Task<IResult> GetAlias([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/aliases/{alias}")] HttpRequest request, string name, string alias) =>
        functions.GetAlias(request, name, alias);

    [Function(nameof(SetAlias))]
    public Task<IResult> SetAlias([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "models/{name}/aliases/{alias}")] HttpRequest request, string name, string alias) =>
        functions.SetAlias(request, name, alias);

    [Function(nameof(DeleteAlias))]
    public Task<IResult> DeleteAlias([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "models/{name}/aliases/{alias}")] HttpRequest request, string name, string alias) =>
        functions.DeleteAlias(request, name, alias);

    [Function(nameof(GetAliasHistory))]
    public Task<IResult> GetAliasHistory([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/aliases/{alias}/history")] HttpRequest request, string name, string alias) =>
        functions.GetAliasHistory(request, name, alias);

    [Function(nameof(GetModelAudit))]
    public Task<IResult> GetModelAudit([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/audit")] HttpRequest request, string name) =>
        functions.GetAudit(request, name);
}
