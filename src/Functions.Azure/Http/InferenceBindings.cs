using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions.Azure.Http;

/// <summary>Azure bindings of the Open Inference Protocol (KServe V2); the routes without a version serve the model's default.</summary>
public sealed class InferenceBindings(InferenceFunctions functions)
{
    [Function(nameof(InferV2))]
    public Task<IResult> InferV2([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v2/models/{name}/infer")] HttpRequest request, string name) =>
        functions.Infer(request, name, null);

    [Function(nameof(InferV2Version))]
    public Task<IResult> InferV2Version([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v2/models/{name}/versions/{version}/infer")] HttpRequest request, string name, string version) =>
        functions.Infer(request, name, version);

    [Function(nameof(ModelMetadataV2))]
    public Task<IResult> ModelMetadataV2([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v2/models/{name}")] HttpRequest request, string name) =>
        functions.Metadata(request, name, null);

    [Function(nameof(ModelMetadataV2Version))]
    public Task<IResult> ModelMetadataV2Version([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v2/models/{name}/versions/{version}")] HttpRequest request, string name, string version) =>
        functions.Metadata(request, name, version);

    [Function(nameof(ModelReadyV2))]
    public Task<IResult> ModelReadyV2([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v2/models/{name}/ready")] HttpRequest request, string name) =>
        functions.Ready(request, name, null);
}
