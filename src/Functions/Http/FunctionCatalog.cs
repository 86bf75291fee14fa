using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MLOps.Functions.Http;

/// <summary>Every HTTP function of the app. The local host maps exactly these; a test checks the Azure bindings match.</summary>
public static class FunctionCatalog
{
    public static IReadOnlyList<HttpFunction> Http { get; } =
    [
        new("Health", "GET", "health", r => Get<HealthFunctions>(r).Health(r)),
        new("OpenApiDocument", "GET", "openapi.json", r => Get<OpenApiFunctions>(r).Document(r)),
        new("ApiReference", "GET", "docs", r => Get<OpenApiFunctions>(r).Reference(r)),

        new("ListModels", "GET", "models", r => Get<RegistryFunctions>(r).ListModels(r)),
        new("GetModel", "GET", "models/{name}", r => Get<RegistryFunctions>(r).GetModel(r, V(r, "name"))),
        new("DeclareModel", "PUT", "models/{name}", r => Get<RegistryFunctions>(r).DeclareModel(r, V(r, "name"))),
        new("RegisterModelVersion", "POST", "models/{name}/versions", r => Get<RegistryFunctions>(r).RegisterVersion(r, V(r, "name"))),
        new("ListModelVersions", "GET", "models/{name}/versions", r => Get<RegistryFunctions>(r).ListVersions(r, V(r, "name"))),
        new("GetModelVersion", "GET", "models/{name}/versions/{version}", r => Get<RegistryFunctions>(r).GetVersion(r, V(r, "name"), V(r, "version"))),
        new("ArchiveModelVersion", "POST", "models/{name}/versions/{version}/archive", r => Get<RegistryFunctions>(r).ArchiveVersion(r, V(r, "name"), V(r, "version"))),
        new("ListAliases", "GET", "models/{name}/aliases", r => Get<RegistryFunctions>(r).ListAliases(r, V(r, "name"))),
        new("GetAlias", "GET", "models/{name}/aliases/{alias}", r => Get<RegistryFunctions>(r).GetAlias(r, V(r, "name"), V(r, "alias"))),
        new("SetAlias", "PUT", "models/{name}/aliases/{alias}", r => Get<RegistryFunctions>(r).SetAlias(r, V(r, "name"), V(r, "alias"))),
        new("DeleteAlias", "DELETE", "models/{name}/aliases/{alias}", r => Get<RegistryFunctions>(r).DeleteAlias(r, V(r, "name"), V(r, "alias"))),
        new("GetAliasHistory", "GET", "models/{name}/aliases/{alias}/history", r => Get<RegistryFunctions>(r).GetAliasHistory(r, V(r, "name"), V(r, "alias"))),
        new("GetModelAudit", "GET", "models/{name}/audit", r => Get<RegistryFunctions>(r).GetAudit(r, V(r, "name"))),

        new("GetModelPolicy", "GET", "models/{name}/policy", r => Get<PolicyFunctions>(r).GetPolicy(r, V(r, "name"))),
        new("SetModelPolicy", "PUT", "models/{name}/policy", r => Get<PolicyFunctions>(r).SetPolicy(r, V(r, "name"))),
        new("ListRetrainingRequests", "GET", "models/{name}/retraining", r => Get<PolicyFunctions>(r).ListRetraining(r, V(r, "name"))),
        new("RequestRetraining", "POST", "models/{name}/retraining", r => Get<PolicyFunctions>(r).RequestRetraining(r, V(r, "name"))),

        new("TrainModel", "POST", "models/{name}/train", r => Get<TrainingFunctions>(r).Train(r, V(r, "name"))),
        new("ListTrainingJobs", "GET", "models/{name}/training", r => Get<TrainingFunctions>(r).ListJobs(r, V(r, "name"))),
        new("GetTrainingJob", "GET", "models/{name}/training/{jobId}", r => Get<TrainingFunctions>(r).GetJob(r, V(r, "name"), V(r, "jobId"))),
        new("GetQualityGates", "GET", "models/{name}/gates", r => Get<TrainingFunctions>(r).GetGates(r, V(r, "name"))),
        new("SetQualityGates", "PUT", "models/{name}/gates", r => Get<TrainingFunctions>(r).SetGates(r, V(r, "name"))),

        new("Predict", "POST", "models/{name}/predict", r => Get<PredictionFunctions>(r).Predict(r, V(r, "name"))),

        new("InferV2", "POST", "v2/models/{name}/infer", r => Get<InferenceFunctions>(r).Infer(r, V(r, "name"), null)),
        new("InferV2Version", "POST", "v2/models/{name}/versions/{version}/infer", r => Get<InferenceFunctions>(r).Infer(r, V(r, "name"), V(r, "version"))),
        new("ModelMetadataV2", "GET", "v2/models/{name}", r => Get<InferenceFunctions>(r).Metadata(r, V(r, "name"), null)),
        new("ModelMetadataV2Version", "GET", "v2/models/{name}/versions/{version}", r => Get<InferenceFunctions>(r).Metadata(r, V(r, "name"), V(r, "version"))),
        new("ModelReadyV2", "GET", "v2/models/{name}/ready", r => Get<InferenceFunctions>(r).Ready(r, V(r, "name"), null)),

        new("RunDriftCheck", "POST", "models/{name}/drift/run", r => Get<DriftFunctions>(r).RunDrift(r, V(r, "name"))),
        new("ListDriftRuns", "GET", "models/{name}/drift", r => Get<DriftFunctions>(r).ListDriftRuns(r, V(r, "name"))),
        new("GetDriftRun", "GET", "models/{name}/drift/{runId}", r => Get<DriftFunctions>(r).GetDriftRun(r, V(r, "name"), V(r, "runId"))),
        new("GetDriftChart", "GET", "models/{name}/drift/{runId}/charts/{chart}", r => Get<DriftFunctions>(r).GetDriftChart(r, V(r, "name"), V(r, "runId"), V(r, "chart"))),
        new("GetDriftSettings", "GET", "models/{name}/drift-settings", r => Get<DriftFunctions>(r).GetDriftSettings(r, V(r, "name"))),
        new("SetDriftSettings", "PUT", "models/{name}/drift-settings", r => Get<DriftFunctions>(r).SetDriftSettings(r, V(r, "name"))),
        new("RecordFeedback", "POST", "models/{name}/feedback", r => Get<DriftFunctions>(r).RecordFeedback(r, V(r, "name"))),
        new("BuildReferenceProfile", "POST", "models/{name}/versions/{version}/reference-profile", r => Get<DriftFunctions>(r).BuildReferenceProfile(r, V(r, "name"), V(r, "version"))),
        new("GetReferenceProfile", "GET", "models/{name}/versions/{version}/reference-profile", r => Get<DriftFunctions>(r).GetReferenceProfile(r, V(r, "name"), V(r, "version"))),

        new("GetModelExpectations", "GET", "models/{name}/expectations", r => Get<DatasetFunctions>(r).GetExpectations(r, V(r, "name"))),
        new("PutModelExpectations", "PUT", "models/{name}/expectations", r => Get<DatasetFunctions>(r).PutExpectations(r, V(r, "name"))),
        new("ListDatasetValidations", "GET", "datasets/validations", r => Get<DatasetFunctions>(r).ListValidations(r)),
        new("GetDatasetValidation", "GET", "datasets/validations/{id}", r => Get<DatasetFunctions>(r).GetValidation(r, V(r, "id"))),
        new("ListDatasetVersions", "GET", "models/{name}/datasets", r => Get<DatasetFunctions>(r).ListDatasetVersions(r, V(r, "name"))),
        new("GetDatasetVersion", "GET", "models/{name}/datasets/{version}", r => Get<DatasetFunctions>(r).GetDatasetVersion(r, V(r, "name"), V(r, "version"))),
    ];

    /// <summary>Every timer function. The local host schedules these (blob-lease singleton, past-due detection); Azure binds the same names and schedules.</summary>
    public static IReadOnlyList<Timers.TimerFunction> Timers { get; } =
    [
        new("DriftCheck", "%DriftSchedule%", "0 */15 * * * *", (services, isPastDue, ct) => services.GetRequiredService<DriftFunctions>().RunScheduled(isPastDue, ct)),
    ];

    /// <summary>
    /// Every blob-triggered function. Azure binds them with [BlobTrigger] (Event Grid source); the local host runs them
    /// from its container scan with the same receipts and poison rules.
    /// </summary>
    public static IReadOnlyList<BlobFunction> Blobs { get; } =
    [
        new(Validation.DatasetValidator.FunctionName, "datasets/{name}", "AzureWebJobsStorage", (services, name, ct) => services.GetRequiredService<Validation.DatasetValidator>().ValidateBlobAsync(name, ct)),
    ];

    /// <summary>Every queue-triggered function: the local host polls these queues; a test checks the Azure bindings match.</summary>
    public static IReadOnlyList<QueueFunction> Queues { get; } =
    [
        new("RunTrainingJob", "%" + Configuration.TrainingOptions.QueueSetting + "%", "AzureWebJobsStorage",
            (services, message, ct) => services.GetRequiredService<Training.TrainingJobRunner>().RunAsync(message, ct)),
    ];

    private static T Get<T>(HttpRequest request)
        where T : notnull => request.HttpContext.RequestServices.GetRequiredService<T>();

    private static string V(HttpRequest request, string name) => request.RouteValues[name]?.ToString() ?? string.Empty;
}
