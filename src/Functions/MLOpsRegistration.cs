using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MLOps.Functions.Configuration;
using MLOps.Functions.Http;
using MLOps.Functions.Policies;
using MLOps.Functions.PredictionLog;
using MLOps.Functions.Registry;
using MLOps.Functions.Retraining;
using MLOps.Functions.Scoring;
using MLOps.Functions.Security;
using MLOps.Functions.Storage;
using MLOps.Functions.Telemetry;
using MLOps.Functions.Training;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace MLOps.Functions;

/// <summary>The one registration both hosts call: options, storage, registry, scoring, logging, telemetry, handlers.</summary>
public static class MLOpsRegistration
{
    public static IHostApplicationBuilder AddMLOps(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PredictionOptions>().BindConfiguration(PredictionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PredictionLogOptions>().BindConfiguration(PredictionLogOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName);
        services.AddOptions<DriftOptions>().BindConfiguration(DriftOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Validation.ValidationOptions>().BindConfiguration(Validation.ValidationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TrainingOptions>().BindConfiguration(TrainingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Problem documents and any result written with the host's JSON options look like the rest of the API.
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonDefaults.Options.PropertyNamingPolicy;
            json.SerializerOptions.DefaultIgnoreCondition = JsonDefaults.Options.DefaultIgnoreCondition;
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        });
        services.AddSingleton(TimeProvider.System);

        // Both hosts serve HTTP with Kestrel (the isolated worker too, behind the Functions host), whose
        // default 30 MB body limit would cut model uploads short; handlers enforce the real, tighter limits.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<RegistryOptions>, IOptions<PredictionOptions>>((kestrel, registry, prediction) =>
            kestrel.Limits.MaxRequestBodySize = Math.Max(registry.Value.MaxModelBytes + (1024 * 1024), prediction.Value.MaxRequestBytes));
        services.AddSingleton<MLOpsMetrics>();
        services.AddSingleton<StorageClients>();
        services.AddSingleton<StorageNames>();
        services.AddHostedService<StorageInitializer>();

        services.AddSingleton<IModelRegistry, ModelRegistry>();
        services.AddSingleton<ModelRegistration>();
        services.AddSingleton<ModelSessionCache>();
        services.AddSingleton<AliasResolver>();
        services.AddSingleton<IVersionDocuments, BlobVersionDocuments>();
        services.AddSingleton<ModelDocumentRow>();
        services.AddSingleton<IModelPolicyStore, ModelPolicyStore>();
        services.AddSingleton<IRetrainingTrigger, RetrainingTrigger>();
        services.AddHostedService<AliasRefreshService>();
        services.AddSingleton<Scorer>();
        services.AddSingleton<PredictionScheduler>();

        services.AddSingleton<PredictionLogQueue>();
        services.AddSingleton<IPredictionLogSink, BlobPredictionLogSink>();
        services.AddHostedService<PredictionLogWriter>();

        services.AddSingleton<Drift.DriftStore>();
        services.AddSingleton<Drift.FeedbackStore>();
        services.AddSingleton<Drift.PredictionLogWindowReader>();
        services.AddSingleton<Drift.DatasetProfiler>();
        services.AddSingleton<Drift.DriftMonitor>();
        services.AddSingleton<DriftFunctions>();

        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<FunctionRunner>();
        services.AddSingleton<HealthFunctions>();
        services.AddSingleton<OpenApiFunctions>();
        services.AddSingleton<RegistryFunctions>();
        services.AddSingleton<PredictionFunctions>();
        services.AddSingleton<InferenceFunctions>();

        // Dataset validation (blob-triggered) and its API; the local host adds its container scan
        // (Functions.Local AddLocalBlobTriggers); on Azure the host keeps its own receipts.
        services.AddSingleton<Validation.IExpectationStore, Validation.BlobExpectationStore>();
        services.AddSingleton<Validation.IDatasetVersions, Validation.TableDatasetVersions>();
        services.AddSingleton<Validation.ValidationReports>();
        services.AddSingleton<Validation.DatasetValidator>();
        services.AddSingleton<DatasetFunctions>();
        services.AddSingleton<PolicyFunctions>();

        services.AddSingleton<TrainingDatasets>();
        services.AddSingleton<TrainingJobStore>();
        services.AddSingleton<TrainingQueue>();
        services.AddSingleton<QualityGateStore>();
        services.AddSingleton<CandidateEvaluator>();
        services.AddSingleton<ICandidateTrainer, MLNetCandidateTrainer>();
        services.AddSingleton<TrainingActivities>();
        services.AddSingleton<TrainingJobRunner>();
        services.AddSingleton<TrainingFunctions>();

        AddTelemetry(builder);
        return builder;
    }

    private static void AddTelemetry(IHostApplicationBuilder builder)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(MLOpsMetrics.MeterName))
            .WithTracing(tracing => tracing.AddSource("Azure.*"));

        // Export only where a destination is configured; locally the meters still feed tests and dotnet-counters.
        if (builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] is { Length: > 0 } connectionString)
        {
            telemetry
                .WithMetrics(metrics => metrics.AddAzureMonitorMetricExporter(o => o.ConnectionString = connectionString))
                .WithTracing(tracing => tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = connectionString));
        }
    }
}
