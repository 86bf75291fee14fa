using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions.Azure.Http;

/// <summary>Azure bindings of the OpenAPI document and its interactive reference page.</summary>
public sealed class OpenApiBindings(OpenApiFunctions functions)
{
    [Function(nameof(OpenApiDocument))]
    public Task<IResult> OpenApiDocument([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        functions.Document(request);

    [Function(nameof(ApiReference))]
    public Task<IResult> ApiReference([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs")] HttpRequest request) =>
        functions.Reference(request);
}
