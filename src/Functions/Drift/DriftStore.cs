using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MLOps.Domain.Drift;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Registry;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Drift;

/// <summary>Per-model drift settings (a registry document), and the history of drift runs (table) with each run's report and charts (blobs).</summary>
/// <remarks>
/// A run's history row is written after its report and charts, so a listed run always has its report; a run that
/// fails half way leaves at most unlisted blobs. Rows sort newest first (inverted ticks), so listing the last runs
/// is one range query.
/// </remarks>
public sealed class DriftStore(StorageClients clients, StorageNames names, ModelDocumentRow documents)
{
    // In the model's registry partition, so a change and its audit entry commit in one transaction (as policies do).
    private const string SettingsRow = "drift-settings";
    private const string RunPrefix = "run|";

    // A table property holds at most 64 KiB; the per-feature scores of a run are kept for the charts up to this size.
    private const int MaxScoresChars = 30_000;

    private TableClient Table => clients.Tables.GetTableClient(names.DriftTable);

    private BlobContainerClient Reports => clients.Blobs.GetBlobContainerClient(names.ReportsContainer);

    /// <summary>The model's drift settings, or the defaults when none were stored.</summary>
    public async Task<StoredDriftSettings> GetSettingsAsync(string model, CancellationToken cancellationToken) =>
        await documents.FindAsync(model, SettingsRow, cancellationToken).ConfigureAwait(false) is { } stored
            ? ToStored(model, stored)
            : new StoredDriftSettings(model, DriftSettings.Default, null, null, null);

    /// <summary>Replaces the settings (with <paramref name="ifMatch"/>: only at that ETag, else 412) and audits the change.</summary>
    public async Task<StoredDriftSettings> PutSettingsAsync(string model, DriftSettings settings, string? ifMatch, Principal by, CancellationToken cancellationToken)
    {
        var stored = await documents.PutAsync(
            model, SettingsRow, JsonSerializer.Serialize(settings, JsonDefaults.Options), ifMatch, by, AuditActions.DriftSettingsChanged, "drift settings replaced", "drift settings", cancellationToken).ConfigureAwait(false);
        return ToStored(model, stored);
    }

    /// <summary>Stores a run: report JSON and charts first, then the history row that lists it.</summary>
    public async Task SaveRunAsync(DriftReport report, IReadOnlyDictionary<string, string> chartSvgs, CancellationToken cancellationToken)
    {
        foreach (var (name, svg) in chartSvgs)
        {
            await Reports.GetBlobClient(ChartPath(report.Model, report.RunId, name)).UploadAsync(
                BinaryData.FromString(svg),
                new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = DriftCharts.ContentType } },
                cancellationToken).ConfigureAwait(false);
        }

        await Reports.GetBlobClient(ReportPath(report.Model, report.RunId)).UploadAsync(
            BinaryData.FromObjectAsJson(report, JsonDefaults.Options),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            cancellationToken).ConfigureAwait(false);

        await Table.AddEntityAsync(ToEntity(report), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The model's runs, newest first.</summary>
    public async Task<IReadOnlyList<DriftRunSummary>> ListRunsAsync(string model, int max, CancellationToken cancellationToken)
    {
        var runs = new List<DriftRunSummary>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {model} and RowKey ge {RunPrefix} and RowKey lt {"run}"}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            runs.Add(ToSummary(e));
            if (runs.Count >= max)
            {
                break;
            }
        }

        return runs;
    }

    /// <summary>A run's report, or null when there is no run of that id.</summary>
    public async Task<DriftReport?> GetReportAsync(string model, string runId, CancellationToken cancellationToken)
    {
        try
        {
            var content = (await Reports.GetBlobClient(ReportPath(model, runId)).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            return content.ToObjectFromJson<DriftReport>(JsonDefaults.Options);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>A chart's SVG, or null when absent.</summary>
    public async Task<BinaryData?> GetChartAsync(string model, string runId, string chart, CancellationToken cancellationToken)
    {
        try
        {
            return (await Reports.GetBlobClient(ChartPath(model, runId, chart)).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The per-feature scores of the version's last <paramref name="max"/> completed runs, oldest first.</summary>
    public async Task<IReadOnlyList<(DateTimeOffset At, IReadOnlyList<FeatureScore> Scores)>> ScoreHistoryAsync(string model, int version, int max, CancellationToken cancellationToken)
    {
        var history = new List<(DateTimeOffset, IReadOnlyList<FeatureScore>)>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {model} and RowKey ge {RunPrefix} and RowKey lt {"run}"} and Version eq {version}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.GetString("Scores") is { Length: > 0 } json)
            {
                history.Add((e.GetDateTimeOffset("At")!.Value, JsonSerializer.Deserialize<List<FeatureScore>>(json, JsonDefaults.Options) ?? []));
            }

            if (history.Count >= max)
            {
                break;
            }
        }

        history.Reverse();
        return history;
    }

    public static string NewRunId(DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"{at.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}-{Random.Shared.Next():x8}");

    /// <summary>Whether a run id has the shape <see cref="NewRunId"/> gives, so it can be used in blob paths.</summary>
    public static bool IsRunId(string runId) =>
        runId.Length == 28
        && DateTimeOffset.TryParseExact(runId.AsSpan(0, 19), "yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)
        && runId[19] == '-'
        && runId.AsSpan(20).ContainsAnyExcept("0123456789abcdef") is false;

    public static string ReportPath(string model, string runId) => $"drift/{model}/{runId}/report.json";

    public static string ChartPath(string model, string runId, string chart) => $"drift/{model}/{runId}/{chart}";

    private static TableEntity ToEntity(DriftReport r)
    {
        var scores = ScoresOf(r);
        var json = JsonSerializer.Serialize(scores, JsonDefaults.Options);
        return new TableEntity(r.Model, $"{RunPrefix}{DateTimeOffset.MaxValue.UtcTicks - r.At.UtcTicks:D19}|{r.RunId}")
        {
            ["RunId"] = r.RunId,
            ["At"] = r.At,
            ["Version"] = r.Version,
            ["Trigger"] = r.Trigger.ToString(),
            ["Status"] = r.Status.ToString(),
            ["WindowRows"] = r.Window.Rows,
            ["CheckedFeatures"] = r.Data?.CheckedFeatures,
            ["DriftedFeatures"] = r.Data?.DriftedFeatures,
            ["DriftedShare"] = r.Data?.DriftedShare,
            ["DatasetDrift"] = r.Data?.DatasetDrift ?? false,
            ["PredictionDrift"] = r.Predictions?.Drifted ?? false,
            ["ConceptStatus"] = r.Concept?.Status.ToString(),
            ["Decay"] = r.Concept?.Decay ?? false,
            ["Alert"] = r.Alert,
            ["Scores"] = json.Length <= MaxScoresChars ? json : null,
        };
    }

    private static List<FeatureScore> ScoresOf(DriftReport r) =>
        r.ScoredFeatures().Select(f => new FeatureScore(f.Feature, f.Method!.Value, f.Score!.Value, f.Threshold!.Value, f.Drifted)).ToList();

    private static StoredDriftSettings ToStored(string model, StoredDocument stored) => new(
        model,
        JsonSerializer.Deserialize<DriftSettings>(stored.Json, JsonDefaults.Options) ?? DriftSettings.Default,
        stored.ETag,
        stored.UpdatedAt,
        stored.UpdatedBy);

    private static DriftRunSummary ToSummary(TableEntity e) => new(
        e.GetString("RunId"),
        e.GetDateTimeOffset("At")!.Value,
        e.GetInt32("Version")!.Value,
        Enum.Parse<DriftTrigger>(e.GetString("Trigger")),
        Enum.Parse<DriftRunStatus>(e.GetString("Status")),
        e.GetInt64("WindowRows") ?? 0,
        e.GetInt32("CheckedFeatures"),
        e.GetInt32("DriftedFeatures"),
        e.GetDouble("DriftedShare"),
        e.GetBoolean("DatasetDrift") ?? false,
        e.GetBoolean("PredictionDrift") ?? false,
        e.GetString("ConceptStatus") is { } c ? Enum.Parse<ConceptDriftStatus>(c) : null,
        e.GetBoolean("Decay") ?? false,
        e.GetBoolean("Alert") ?? false);
}

/// <summary>Drift settings as stored, with their concurrency token (null when the defaults apply).</summary>
public sealed record StoredDriftSettings(string Model, DriftSettings Settings, string? ETag, DateTimeOffset? UpdatedAt, string? UpdatedBy);

/// <summary>One line of the drift history.</summary>
public sealed record DriftRunSummary(
    string RunId,
    DateTimeOffset At,
    int Version,
    DriftTrigger Trigger,
    DriftRunStatus Status,
    long WindowRows,
    int? CheckedFeatures,
    int? DriftedFeatures,
    double? DriftedShare,
    bool DatasetDrift,
    bool PredictionDrift,
    ConceptDriftStatus? ConceptStatus,
    bool Decay,
    bool Alert);

/// <summary>A feature's score in one run, kept in the history for the score-over-time chart.</summary>
public sealed record FeatureScore(string Feature, DriftMethod Method, double Score, double Threshold, bool Drifted);
