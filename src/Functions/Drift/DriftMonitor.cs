using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Domain.Drift;
using MLOps.Domain.Policies;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;
using MLOps.Domain.Retraining;
using MLOps.Domain.Security;
using MLOps.Functions.Configuration;
using MLOps.Functions.Policies;
using MLOps.Functions.Registry;
using MLOps.Functions.Retraining;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Drift;

/// <summary>The drift check: for each monitored model and aliased version, the live window against the reference profile, then alerts and retraining.</summary>
/// <remarks>
/// The timer calls <see cref="RunScheduledAsync"/> (once across instances, see the timer host); a person calls
/// <see cref="RunModelAsync"/> through <c>POST /api/models/{name}/drift/run</c>. One model failing is logged and does not
/// stop the others. Each version is compared with its own reference profile, or with the champion's when it has none.
/// </remarks>
public sealed partial class DriftMonitor(
    IModelRegistry registry,
    IVersionDocuments documents,
    IModelPolicyStore policies,
    IRetrainingTrigger retraining,
    DriftStore store,
    FeedbackStore feedback,
    PredictionLogWindowReader logReader,
    IOptions<DriftOptions> options,
    MLOpsMetrics metrics,
    TimeProvider time,
    ILogger<DriftMonitor> logger)
{
    public const string FunctionName = "DriftCheck";
    public const string Champion = "champion";

    /// <summary>Checks every monitored model; returns how many version reports were written.</summary>
    public async Task<int> RunScheduledAsync(bool isPastDue, CancellationToken cancellationToken)
    {
        if (isPastDue)
        {
            LogPastDue(logger);
        }

        var reports = 0;
        foreach (var model in await registry.ListModelsAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var policy = (await policies.GetAsync(model.Name, cancellationToken).ConfigureAwait(false)).Policy;
                if (!policy.Monitored)
                {
                    continue;
                }

                reports += (await RunModelAsync(model.Name, null, isPastDue ? DriftTrigger.PastDue : DriftTrigger.Schedule, FunctionName, policy, cancellationToken).ConfigureAwait(false)).Count;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogModelFailed(logger, model.Name, ex);
            }
        }

        return reports;
    }

    /// <summary>Checks one model: the given version, or every version an alias points at.</summary>
    public Task<IReadOnlyList<DriftReport>> RunModelAsync(string model, int? onlyVersion, DriftTrigger trigger, string requestedBy, CancellationToken cancellationToken) =>
        RunModelAsync(model, onlyVersion, trigger, requestedBy, null, cancellationToken);

    /// <param name="policy">The model's policy when the caller has already read it (the timer, to skip unmonitored models); null reads it.</param>
    private async Task<IReadOnlyList<DriftReport>> RunModelAsync(
        string model, int? onlyVersion, DriftTrigger trigger, string requestedBy, ModelPolicy? policy, CancellationToken cancellationToken)
    {
        var aliases = await registry.ListAliasesAsync(model, cancellationToken).ConfigureAwait(false);
        if (aliases.Count == 0)
        {
            await registry.EnsureModelExistsAsync(model, cancellationToken).ConfigureAwait(false);
        }

        var versions = onlyVersion is { } v ? [v] : aliases.Select(a => a.Version).Distinct().Order().ToList();
        var champion = aliases.FirstOrDefault(a => a.Alias == Champion)?.Version;
        var settings = (await store.GetSettingsAsync(model, cancellationToken).ConfigureAwait(false)).Settings;
        policy ??= (await policies.GetAsync(model, cancellationToken).ConfigureAwait(false)).Policy;
        var reports = new List<DriftReport>(versions.Count);
        foreach (var number in versions)
        {
            var version = await registry.GetVersionAsync(model, number, cancellationToken).ConfigureAwait(false);
            var names = aliases.Where(a => a.Version == number).Select(a => a.Alias).Order(StringComparer.Ordinal).ToList();
            reports.Add(await CheckVersionAsync(version, names, champion, settings, policy, trigger, requestedBy, cancellationToken).ConfigureAwait(false));
        }

        return reports;
    }

    private async Task<DriftReport> CheckVersionAsync(
        ModelVersion version, IReadOnlyList<string> aliasNames, int? champion, DriftSettings settings, ModelPolicy policy, DriftTrigger trigger, string requestedBy, CancellationToken cancellationToken)
    {
        var model = version.Model;
        var now = time.GetUtcNow();
        var report = new DriftReport
        {
            RunId = DriftStore.NewRunId(now),
            Model = model,
            Version = version.Version,
            Aliases = aliasNames,
            At = now,
            Trigger = trigger,
            RequestedBy = requestedBy,
            Status = DriftRunStatus.Completed,
            Window = new DriftWindowSummary(settings.Window.Kind, now, now, 0, 0, 0, 0),
            Settings = settings,
        };

        var (reference, referenceVersion) = await ReferenceAsync(model, version.Version, champion, cancellationToken).ConfigureAwait(false);
        var task = version.Metadata.Task != ModelTask.Unspecified ? version.Metadata.Task : reference?.Predictions?.Task ?? ModelTask.Unspecified;
        var classes = version.Metadata.ClassLabels ?? version.Signature.ClassLabels;
        report = report with { Concept = await ConceptAsync(version, task, PositiveClass.Of(classes) ?? reference?.Predictions?.PositiveClass, settings, cancellationToken).ConfigureAwait(false) };

        if (reference is null)
        {
            report = report with
            {
                Status = DriftRunStatus.NoReference,
                Note = $"Version {version.Version} has no reference profile ({VersionDocumentNames.ReferenceProfile}), and neither has the champion. Build one with POST /api/models/{model}/versions/{version.Version}/reference-profile.",
            };
        }
        else
        {
            // The score of a binary classifier is the probability of the class the reference scored; a profile that does
            // not say which takes the version's positive class by the same rule it was written with.
            var positiveClass = task == ModelTask.BinaryClassification ? reference.Predictions?.PositiveClass ?? PositiveClass.Of(classes) : null;
            var builder = new WindowProfileBuilder(reference, options.Value.WindowSampleSize, options.Value.WindowMaxCategories);
            var window = await logReader.ReadAsync(model, version.Version, settings.Window, now, task, positiveClass, builder, cancellationToken).ConfigureAwait(false);
            report = report with { Window = window, ReferenceVersion = referenceVersion, ReferenceRows = reference.Rows };
            if (builder.Rows < settings.MinWindowRows)
            {
                report = report with
                {
                    Status = DriftRunStatus.InsufficientData,
                    Note = $"Insufficient data: {builder.Rows} predictions in the window; at least {settings.MinWindowRows} are needed.",
                };
            }
            else
            {
                var profile = builder.Build();
                report = report with
                {
                    Data = DriftAnalyzer.AnalyzeData(reference, profile, settings),
                    Predictions = DriftAnalyzer.AnalyzePredictions(reference, profile, settings, positiveClass),
                };
            }
        }

        report = await ActAsync(report, policy, cancellationToken).ConfigureAwait(false);
        var charts = await ChartsAsync(report, cancellationToken).ConfigureAwait(false);
        report = report with { Charts = charts.Select(c => c.Chart).ToList() };
        await store.SaveRunAsync(report, charts.ToDictionary(c => c.Chart.Name, c => c.Svg, StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
        metrics.DriftRun(model, report.Trigger.ToString(), report.Status.ToString());
        LogRun(logger, model, version.Version, report.RunId, report.Status, report.Window.Rows, report.Data?.DriftedFeatures ?? 0, report.Data?.CheckedFeatures ?? 0);
        return report;
    }

    /// <summary>Alert (log event, metric, audit entry) on confirmed drift or decay; ask for retraining when the policy allows.</summary>
    private async Task<DriftReport> ActAsync(DriftReport report, ModelPolicy policy, CancellationToken cancellationToken)
    {
        var reasons = new List<string>();
        if (report.Data is { DatasetDrift: true } data)
        {
            var drifted = data.Features.Where(f => f.Drifted).Select(f => f.Feature).Take(10);
            reasons.Add($"dataset drift: {data.DriftedFeatures} of {data.CheckedFeatures} features ({string.Join(", ", drifted)}{(data.DriftedFeatures > 10 ? ", ..." : string.Empty)})");
        }

        if (report.Predictions is { Drifted: true })
        {
            reasons.Add("prediction drift");
        }

        if (report.Concept is { Decay: true } concept)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"decay: {ConceptDriftEvaluator.Key(concept.Metric)} {concept.Current:0.####} vs baseline {concept.Baseline:0.####} on {concept.Labels} labels"));
        }

        if (reasons.Count == 0)
        {
            return report;
        }

        var detail = $"{string.Join("; ", reasons)} (run {report.RunId})";
        foreach (var reason in reasons)
        {
            metrics.DriftAlert(report.Model, report.Version, reason.Split(':')[0]);
        }

        LogAlert(logger, report.Model, report.Version, report.RunId, detail);
        await registry.AppendAuditAsync(report.Model, AuditActions.DriftAlert, new Principal(FunctionName, Role.Operator), report.Version, detail, cancellationToken).ConfigureAwait(false);

        DriftRetrainingOutcome? outcome = null;
        if (policy.RetrainOnDrift)
        {
            var reason = report.Concept is { Decay: true } ? RetrainingReason.Decay : RetrainingReason.Drift;
            var decision = await retraining.RequestAsync(new RetrainingRequest(report.Model, reason, $"version {report.Version}: {detail}", null, FunctionName), cancellationToken).ConfigureAwait(false);
            outcome = new DriftRetrainingOutcome(true, decision.Accepted, decision.Record?.Id, decision.SuppressedBecause);
        }

        return report with { Alert = true, AlertReasons = reasons, Retraining = outcome };
    }

    private async Task<(ReferenceProfile? Profile, int? Version)> ReferenceAsync(string model, int version, int? champion, CancellationToken cancellationToken)
    {
        var own = await documents.GetJsonAsync<ReferenceProfile>(model, version, VersionDocumentNames.ReferenceProfile, cancellationToken).ConfigureAwait(false);
        if (own is not null)
        {
            return (own, version);
        }

        if (champion is { } c && c != version
            && await documents.GetJsonAsync<ReferenceProfile>(model, c, VersionDocumentNames.ReferenceProfile, cancellationToken).ConfigureAwait(false) is { } championProfile)
        {
            return (championProfile, c);
        }

        return (null, null);
    }

    private async Task<ConceptDriftResult?> ConceptAsync(ModelVersion version, ModelTask task, string? positiveClass, DriftSettings settings, CancellationToken cancellationToken)
    {
        var recent = await feedback.RecentAsync(version.Model, version.Version, settings.Concept.WindowLabels, cancellationToken).ConfigureAwait(false);
        if (recent.Count == 0)
        {
            return null;
        }

        var metric = settings.Concept.Metric ?? ConceptDriftEvaluator.DefaultMetric(task);
        var baselines = await BaselinesAsync(version, ConceptDriftEvaluator.MetricsFor(task).Append(metric), cancellationToken).ConfigureAwait(false);

        // A multiclass model's F1 and AUC are macro averages; only a binary one has a positive class.
        var positive = task == ModelTask.MulticlassClassification ? null : positiveClass;
        return ConceptDriftEvaluator.Evaluate(task, metric, recent.Select(FeedbackStore.ToLabelled).ToList(), baselines, settings.Concept, positive);
    }

    /// <summary>
    /// The evaluation-time values of the metrics: each from the evaluation document, else from the registered metadata's
    /// metrics.
    /// </summary>
    private async Task<Dictionary<PerformanceMetric, double>> BaselinesAsync(ModelVersion version, IEnumerable<PerformanceMetric> metrics, CancellationToken cancellationToken)
    {
        var baselines = new Dictionary<PerformanceMetric, double>();
        JsonDocument? json = null;
        var evaluation = await documents.GetAsync(version.Model, version.Version, VersionDocumentNames.Evaluation, cancellationToken).ConfigureAwait(false);
        if (evaluation is not null)
        {
            try
            {
                json = JsonDocument.Parse(evaluation.Content.ToMemory());
            }
            catch (JsonException)
            {
                // An unreadable evaluation document falls back to the registered metrics.
            }
        }

        using (json)
        {
            foreach (var metric in metrics.Distinct())
            {
                var key = ConceptDriftEvaluator.Key(metric);
                var value = json is null ? null : EvaluationMetric(json.RootElement, key);
                value ??= version.Metadata.Metrics.TryGetValue(key, out var registered) ? registered : null;
                if (value is { } v)
                {
                    baselines[metric] = v;
                }
            }
        }

        return baselines;
    }

    /// <summary>
    /// A metric of the evaluation document: the training pipeline writes the candidate's report beside the champion's
    /// (<c>candidate.metrics.auc</c>); a hand-written document may put it under <c>metrics</c> or at the top level.
    /// </summary>
    private static double? EvaluationMetric(JsonElement root, string key) =>
        Number(root, key)
        ?? Number(Child(root, "metrics"), key)
        ?? Number(Child(Child(root, "candidate"), "metrics"), key);

    private static JsonElement Child(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var child) ? child : default;

    private static double? Number(JsonElement element, string key) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private async Task<List<(DriftChart Chart, string Svg)>> ChartsAsync(DriftReport report, CancellationToken cancellationToken)
    {
        var charts = new List<(DriftChart, string)>();
        var checkedFeatures = report.ScoredFeatures().ToList();
        if (checkedFeatures.Count == 0)
        {
            return charts;
        }

        var history = await store.ScoreHistoryAsync(report.Model, report.Version, options.Value.ChartHistoryRuns - 1, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < checkedFeatures.Count; i++)
        {
            var f = checkedFeatures[i];
            var method = DriftAnalyzer.MethodName(f.Method!.Value) + (f.Method.Value.IsPValueTest() ? " (p-value)" : string.Empty);
            var points = history
                .SelectMany(h => h.Scores.Where(s => s.Feature == f.Feature && s.Method == f.Method).Select(s => (h.At, s.Score)))
                .Append((report.At, f.Score!.Value))
                .ToList();
            var name = $"score-{i:D3}-{Safe(f.Feature)}.svg";
            charts.Add((new DriftChart(name, f.Feature, "score-history"), DriftCharts.ScoreOverTime(f.Feature, points, f.Threshold, method)));
            if (f.Drifted && f.Histogram is { } histogram)
            {
                var histogramName = $"histogram-{i:D3}-{Safe(f.Feature)}.svg";
                var verdict = string.Create(CultureInfo.InvariantCulture, $"{DriftAnalyzer.MethodName(f.Method.Value)} {f.Score:G3}, threshold {f.Threshold:G3}, drifted");
                charts.Add((new DriftChart(histogramName, f.Feature, "histogram"), DriftCharts.Histogram(f.Feature, histogram, verdict)));
            }
        }

        return charts;
    }

    private static string Safe(string name)
    {
        var text = new StringBuilder(Math.Min(name.Length, 48));
        foreach (var c in name.Take(48))
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_');
        }

        return text.ToString();
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Drift alert for {Model} version {Version} (run {RunId}): {Detail}")]
    private static partial void LogAlert(ILogger logger, string model, int version, string runId, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drift check of {Model} version {Version} (run {RunId}): {Status}, {Rows} rows, {Drifted} of {Checked} features drifted")]
    private static partial void LogRun(ILogger logger, string model, int version, string runId, DriftRunStatus status, long rows, int drifted, int @checked);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The scheduled drift check is past due: a scheduled run was missed while no instance was running")]
    private static partial void LogPastDue(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The drift check of {Model} failed; the other models are still checked")]
    private static partial void LogModelFailed(ILogger logger, string model, Exception exception);
}
