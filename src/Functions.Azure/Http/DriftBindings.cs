using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions.Azure.Http;

/// <summary>Azure bindings of drift monitoring: manual runs, history, reports, charts, settings, feedback and reference profiles.</summary>
public sealed class DriftBindings(DriftFunctions functions)
{
    [Function(nameof(RunDriftCheck))]
    public Task<IResult> RunDriftCheck([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{name}/drift/run")] HttpRequest request, string name) =>
        functions.RunDrift(request, name);

    [Function(nameof(ListDriftRuns))]
    public Task<IResult> ListDriftRuns([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/drift")] HttpRequest request, string name) =>
        functions.ListDriftRuns(request, name);

    [Function(nameof(GetDriftRun))]
    public Task<IResult> GetDriftRun([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/drift/{runId}")] HttpRequest request, string name, string runId) =>
        functions.GetDriftRun(request, name, runId);

    [Function(nameof(GetDriftChart))]
    public Task<IResult> GetDriftChart([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/drift/{runId}/charts/{chart}")] HttpRequest request, string name, string runId, string chart) =>
        functions.GetDriftChart(request, name, runId, chart);

    [Function(nameof(GetDriftSettings))]
    public Task<IResult> GetDriftSettings([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/drift-settings")] HttpRequest request, string name) =>
        functions.GetDriftSettings(request, name);

    [Function(nameof(SetDriftSettings))]
    public Task<IResult> SetDriftSettings([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "models/{name}/drift-settings")] HttpRequest request, string name) =>
        functions.SetDriftSettings(request, name);

    [Function(nameof(RecordFeedback))]
    public Task<IResult> RecordFeedback([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{name}/feedback")] HttpRequest request, string name) =>
        functions.RecordFeedback(request, name);

    [Function(nameof(BuildReferenceProfile))]
    public Task<IResult> BuildReferenceProfile([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{name}/versions/{version}/reference-profile")] HttpRequest request, string name, string version) =>
        functions.BuildReferenceProfile(request, name, version);

    [Function(nameof(GetReferenceProfile))]
    public Task<IResult> GetReferenceProfile([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{name}/versions/{version}/reference-profile")] HttpRequest request, string name, string version) =>
        functions.GetReferenceProfile(request, name, version);
}
