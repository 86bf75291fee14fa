using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions.Azure.Http;

/// <summary>Azure bindings of training: start a job, follow it, and a model's quality gates.</summary>
public sealed class TrainingBindings(TrainingFunctions functions)
{
    [Function(nameof(TrainModel))]
    public Task<IResult> TrainModel([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{name}/train")] HttpRequest request, string name) =>
        functions.Train(request, name);

    [Function(nameof(ListTrainingJobs))]
    public Task<IResult> ListTrainingJobs([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/training")] HttpRequest request, string name) =>
        functions.ListJobs(request, name);

    [Function(nameof(GetTrainingJob))]
    public Task<IResult> GetTrainingJob([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/training/{jobId}")] HttpRequest request, string name, string jobId) =>
        functions.GetJob(request, name, jobId);

    [Function(nameof(GetQualityGates))]
    public Task<IResult> GetQualityGates([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/gates")] HttpRequest request, string name) =>
        functions.GetGates(request, name);

    [Function(nameof(SetQualityGates))]
    public Task<IResult> SetQualityGates([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "models/{name}/gates")] HttpRequest request, string name) =>
        functions.SetGates(request, name);
}
