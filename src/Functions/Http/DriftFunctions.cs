using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MLOps.Domain.Drift;
using MLOps.Domain.Problems;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Configuration;
using MLOps.Functions.Drift;
using MLOps.Functions.Registry;
using MLOps.Functions.Storage;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Http;

/// <summary>Drift monitoring over HTTP: manual runs, history, reports and charts, settings, feedback and reference profiles; and the timer's entry point.</summary>
public sealed class DriftFunctions(
    FunctionRunner runner,
    DriftMonitor monitor,
    DriftStore store,
    FeedbackStore feedback,
    DatasetProfiler profiler,
    IModelRegistry registry,
    IVersionDocuments documents,
    MLOpsMetrics metrics,
    IOptions<DriftOptions> options)
{
    private const long SmallBodyBytes = 64 * 1024;

    /// <summary>The <c>DriftCheck</c> timer: every monitored model, once per occurrence across instances.</summary>
    public Task RunScheduled(bool isPastDue, CancellationToken cancellationToken) => monitor.RunScheduledAsync(isPastDue, cancellationToken);

    public Task<IResult> RunDrift(HttpRequest request, string name) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        int? version = null;
        if (request.Query.TryGetValue("version", out var v))
        {
            version = ParseVersion(v.ToString(), "version");
        }

        var reports = await monitor.RunModelAsync(name, version, DriftTrigger.Manual, principal.Name, ct).ConfigureAwait(false);
        return RegistryFunctions.Json(new DriftRunResponse(reports.Select(r => Summary(r, name)).ToList()));
    });

    public Task<IResult> ListDriftRuns(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var max = ListQuery.Max(request, defaultMax: 50);

        await registry.EnsureModelExistsAsync(name, ct).ConfigureAwait(false);
        var runs = await store.ListRunsAsync(name, max, ct).ConfigureAwait(false);
        return RegistryFunctions.Json(new Contracts.ListResponse<DriftRunSummaryResponse>(runs.Select(r => new DriftRunSummaryResponse(r, $"/api/models/{name}/drift/{r.RunId}")).ToList()));
    });

    public Task<IResult> GetDriftRun(HttpRequest request, string name, string runId) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        EnsureRunId(runId);
        var report = await store.GetReportAsync(name, runId, ct).ConfigureAwait(false)
            ?? throw MLOpsException.NotFound($"Model '{name}' has no drift run '{runId}'.");
        return RegistryFunctions.Json(new DriftReportResponse(report, report.Charts.Select(c => new DriftChartLink(c.Name, c.Feature, c.Kind, ChartLink(name, runId, c.Name))).ToList()));
    });

    public Task<IResult> GetDriftChart(HttpRequest request, string name, string runId, string chart) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        EnsureRunId(runId);
        if (chart.Length is 0 or > 80 || !chart.EndsWith(".svg", StringComparison.Ordinal) || chart.AsSpan().ContainsAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."))
        {
            throw MLOpsException.Validation("'chart' must be a chart file name from the run's report, such as score-000-income.svg.", [new("chart", null, "Invalid chart name.")]);
        }

        var svg = await store.GetChartAsync(name, runId, chart, ct).ConfigureAwait(false)
            ?? throw MLOpsException.NotFound($"Drift run '{runId}' of '{name}' has no chart '{chart}'.");
        return TypedResults.Bytes(svg.ToArray(), DriftCharts.ContentType);
    });

    public Task<IResult> GetDriftSettings(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        await registry.EnsureModelExistsAsync(name, ct).ConfigureAwait(false);
        return SettingsAnswer(request, await store.GetSettingsAsync(name, ct).ConfigureAwait(false));
    });

    public Task<IResult> SetDriftSettings(HttpRequest request, string name) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var settings = await RequestBody.ReadAsync<DriftSettings>(request, SmallBodyBytes, ct).ConfigureAwait(false);
        if (settings.Check() is { Count: > 0 } errors)
        {
            throw MLOpsException.Validation($"The drift settings are invalid: {errors[0].Field}: {errors[0].Message}", errors);
        }

        await registry.EnsureModelExistsAsync(name, ct).ConfigureAwait(false);
        var ifMatch = request.Headers.IfMatch.ToString();
        var stored = await store.PutSettingsAsync(name, settings, string.IsNullOrEmpty(ifMatch) ? null : ifMatch, principal, ct).ConfigureAwait(false);
        return SettingsAnswer(request, stored);
    });

    /// <summary>Ground-truth labels: one <c>{predictionId, label}</c> object or an array of them; all stored or none.</summary>
    public Task<IResult> RecordFeedback(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        using var body = await RequestBody.ReadJsonAsync(request, SmallBodyBytes * 4, ct).ConfigureAwait(false);
        var items = ParseFeedback(body.RootElement, options.Value.MaxFeedbackRecords);
        var records = await feedback.RecordAsync(name, items, principal, ct).ConfigureAwait(false);
        metrics.FeedbackRecorded(name, records.Count);
        return TypedResults.Json(
            new FeedbackResponse(records.Count, records.Select(r => new FeedbackRecordResponse(r.PredictionId, r.Version, r.Label, r.PredictedLabel, r.PredictedValue, r.PredictedAt)).ToList()),
            JsonDefaults.Options,
            statusCode: StatusCodes.Status201Created);
    });

    public Task<IResult> BuildReferenceProfile(HttpRequest request, string name, string version) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var number = ParseVersion(version, "version");
        var body = await RequestBody.ReadAsync<BuildProfileRequest>(request, SmallBodyBytes, ct).ConfigureAwait(false);
        var result = await profiler.BuildAsync(name, number, body.Dataset ?? string.Empty, principal, ct).ConfigureAwait(false);
        return TypedResults.Json(ProfileSummary(name, number, result.Profile, result.ScoredRows), JsonDefaults.Options, statusCode: StatusCodes.Status201Created);
    });

    public Task<IResult> GetReferenceProfile(HttpRequest request, string name, string version) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var number = ParseVersion(version, "version");
        await registry.GetVersionAsync(name, number, ct).ConfigureAwait(false);
        var document = await documents.GetAsync(name, number, VersionDocumentNames.ReferenceProfile, ct).ConfigureAwait(false)
            ?? throw MLOpsException.NotFound($"Version {number} of '{name}' has no reference profile yet.");
        return TypedResults.Bytes(document.Content.ToArray(), "application/json");
    });

    internal static IReadOnlyList<FeedbackItem> ParseFeedback(JsonElement root, int max)
    {
        var elements = root.ValueKind switch
        {
            JsonValueKind.Array => root.EnumerateArray().ToList(),
            JsonValueKind.Object => [root],
            _ => throw MLOpsException.Validation("The body must be a {\"predictionId\", \"label\"} object or an array of them."),
        };

        if (elements.Count > max)
        {
            throw MLOpsException.TooLarge($"{elements.Count} feedback records in one request; at most {max} are accepted.");
        }

        var items = new List<FeedbackItem>(elements.Count);
        var errors = new List<ProblemError>();
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            if (element.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(null, i, "Each record must be an object {\"predictionId\": \"...\", \"label\": ...}."));
                continue;
            }

            string? id = null;
            FeedbackLabel? label = null;
            foreach (var property in element.EnumerateObject())
            {
                if (property.NameEquals("predictionId"))
                {
                    id = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                    if (id is null)
                    {
                        errors.Add(new("predictionId", i, "The prediction id must be a string."));
                    }
                }
                else if (property.NameEquals("label"))
                {
                    label = FeedbackLabel.From(property.Value);
                }
                else
                {
                    errors.Add(new(ProblemText.Clip(property.Name), i, "Unknown property; a record takes only predictionId and label."));
                }
            }

            if (id is null && !errors.Any(e => e.Row == i))
            {
                errors.Add(new("predictionId", i, "Missing."));
            }

            if (label is null)
            {
                errors.Add(new("label", i, "Missing."));
            }

            if (id is not null && label is not null)
            {
                items.Add(new FeedbackItem(id, label));
            }
        }

        if (errors.Count > 0)
        {
            throw FeedbackStore.Invalid(errors);
        }

        return items;
    }

    private static object Summary(DriftReport r, string name) => new
    {
        r.RunId,
        r.Version,
        r.Status,
        r.Note,
        WindowRows = r.Window.Rows,
        r.Data?.CheckedFeatures,
        r.Data?.DriftedFeatures,
        r.Data?.DatasetDrift,
        PredictionDrift = r.Predictions?.Drifted,
        ConceptStatus = r.Concept?.Status,
        Decay = r.Concept?.Decay,
        r.Alert,
        r.AlertReasons,
        r.Retraining,
        Link = $"/api/models/{name}/drift/{r.RunId}",
    };

    private static object ProfileSummary(string name, int version, ReferenceProfile profile, long scored) => new
    {
        Model = name,
        Version = version,
        profile.Rows,
        ScoredRows = scored,
        Features = profile.Features.Select(f => new { f.Name, f.Kind, f.Count, f.Missing, Bins = f.Numeric?.BinCounts.Count, Categories = f.Categorical?.Counts.Count }).ToList(),
        Predictions = profile.Predictions is { } p ? new { p.Task, Labels = p.Labels?.Counts.Count, Scored = p.Scores?.BinCounts.Sum() } : null,
        profile.DatasetUri,
        profile.DatasetSha256,
        Link = $"/api/models/{name}/versions/{version}/reference-profile",
    };

    private static IResult SettingsAnswer(HttpRequest request, StoredDriftSettings stored)
    {
        if (stored.ETag is not null)
        {
            request.HttpContext.Response.Headers.ETag = stored.ETag;
        }

        return RegistryFunctions.Json(new DriftSettingsResponse(stored.Model, stored.Settings, stored.ETag is null, stored.UpdatedAt, stored.UpdatedBy));
    }

    private static string ChartLink(string name, string runId, string chart) => $"/api/models/{name}/drift/{runId}/charts/{chart}";

    private static void EnsureRunId(string runId)
    {
        if (!DriftStore.IsRunId(runId))
        {
            throw MLOpsException.Validation("'runId' must be a drift run id such as 20261123T101500000Z-0a1b2c3d (see GET /api/models/{name}/drift).", [new("runId", null, "Invalid run id.")]);
        }
    }

    private static int ParseVersion(string text, string field) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? n
            : throw MLOpsException.Validation($"'{field}' must be a version number (1 or more).", [new(field, null, "Not a version number.")]);
}

public sealed record DriftRunResponse(IReadOnlyList<object> Runs);

public sealed record DriftRunSummaryResponse(DriftRunSummary Run, string Link);

public sealed record DriftReportResponse(DriftReport Report, IReadOnlyList<DriftChartLink> Charts);

public sealed record DriftChartLink(string Name, string Feature, string Kind, string Href);

public sealed record DriftSettingsResponse(string Model, DriftSettings Settings, bool IsDefault, DateTimeOffset? UpdatedAt, string? UpdatedBy);

public sealed record FeedbackResponse(int Accepted, IReadOnlyList<FeedbackRecordResponse> Records);

public sealed record FeedbackRecordResponse(string PredictionId, int Version, string Label, string? PredictedLabel, double? PredictedValue, DateTimeOffset PredictedAt);

public sealed record BuildProfileRequest
{
    /// <summary>The blob name in the datasets container (CSV or Parquet).</summary>
    public string? Dataset { get; init; }
}
