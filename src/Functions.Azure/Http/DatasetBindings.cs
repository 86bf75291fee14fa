using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;
using MLOps.Functions.Validation;

namespace MLOps.Functions.Azure.Http;

/// <summary>Azure bindings of dataset validation: the blob trigger on datasets/{name} and the expectations, reports and dataset APIs.</summary>
/// <remarks>
/// The blob trigger binds a <see cref="BlobClient"/> (no content download by the host) and passes the name on: the
/// validator reads the blob's ETag and content itself, exactly as it does under the local host's scan. Event Grid is the
/// source, as recommended for Flex Consumption and large containers; the host keeps the receipts and the
/// webjobs-blobtrigger-poison queue after 5 failures. The path is not prefixed: deployments keep MLOps__Storage__Prefix
/// empty (the prefix exists for test isolation).
/// </remarks>
public sealed class DatasetBindings(DatasetValidator validator, DatasetFunctions functions)
{
    [Function(nameof(ValidateDataset))]
    public Task ValidateDataset([BlobTrigger("datasets/{name}", Source = BlobTriggerSource.EventGrid, Connection = "AzureWebJobsStorage")] BlobClient blob, string name, CancellationToken cancellationToken) =>
        validator.ValidateBlobAsync(name, cancellationToken);

    [Function(nameof(GetModelExpectations))]
    public Task<IResult> GetModelExpectations([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/expectations")] HttpRequest request, string name) =>
        functions.GetExpectations(request, name);

    [Function(nameof(PutModelExpectations))]
    public Task<IResult> PutModelExpectations([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "models/{name}/expectations")] HttpRequest request, string name) =>
        functions.PutExpectations(request, name);

    [Function(nameof(ListDatasetValidations))]
    public Task<IResult> ListDatasetValidations([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "datasets/validations")] HttpRequest request) =>
        functions.ListValidations(request);

    [Function(nameof(GetDatasetValidation))]
    public Task<IResult> GetDatasetValidation([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "datasets/validations/{id}")] HttpRequest request, string id) =>
        functions.GetValidation(request, id);

    [Function(nameof(ListDatasetVersions))]
    public Task<IResult> ListDatasetVersions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/datasets")] HttpRequest request, string name) =>
        functions.ListDatasetVersions(request, name);

    [Function(nameof(GetDatasetVersion))]
    public Task<IResult> GetDatasetVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/datasets/{version}")] HttpRequest request, string name, string version) =>
        functions.GetDatasetVersion(request, name, version);
}
