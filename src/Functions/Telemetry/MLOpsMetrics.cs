using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace MLOps.Functions.Telemetry;

/// <summary>The app's metrics, on meter <see cref="MeterName"/>, exported through OpenTelemetry.</summary>
public sealed class MLOpsMetrics : IDisposable
{
    public const string MeterName = "MLOps";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<(string Model, int Version), StrongBox<long>> _rowsScored = new();
    private readonly ConcurrentDictionary<(string Model, int Version), BatchingTotals> _batching = new();
    private readonly Counter<long> _logRowsDropped;
    private readonly Counter<long> _logRowsWritten;
    private readonly Counter<long> _logWriteFailures;
    private readonly Histogram<double> _modelLoadMs;
    private readonly Counter<long> _retrainingRequests;
    private readonly Counter<long> _driftRuns;
    private readonly Counter<long> _driftAlerts;
    private readonly Counter<long> _feedbackLabels;
    private readonly Counter<long> _datasetsValidated;
    private readonly Histogram<double> _validationMs;
    private readonly Counter<long> _blobTriggerPoison;
    private long _droppedTotal;

    public MLOpsMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        // Observed when metrics are collected rather than recorded per request: a counter with tags costs a lookup of
        // the tag set in every listener on each Add, which the load run showed at several percent of a single-row predict.
        _meter.CreateObservableCounter("mlops.prediction.rows", () => ObservePerVersion(_rowsScored, static t => Interlocked.Read(ref t.Value)), "{row}", "Rows scored, by model and version");
        // Dynamic batching's effect, also observed at collection: a combined run adds to its version's totals once.
        _meter.CreateObservableCounter("mlops.prediction.combined_runs", () => ObservePerVersion(_batching, static t => t.CombinedRuns), "{run}", "ONNX Runtime runs that scored several waiting requests together, by model and version");
        _meter.CreateObservableCounter("mlops.prediction.batched_requests", () => ObservePerVersion(_batching, static t => t.BatchedRequests), "{request}", "Requests scored in a combined run rather than alone, by model and version");
        _logRowsDropped = _meter.CreateCounter<long>("mlops.prediction_log.dropped", "{row}", "Scored rows not logged because the buffer was full");
        _logRowsWritten = _meter.CreateCounter<long>("mlops.prediction_log.written", "{row}", "Scored rows written to the prediction log");
        _logWriteFailures = _meter.CreateCounter<long>("mlops.prediction_log.write_failures", "{row}", "Scored rows lost because storage refused them");
        _modelLoadMs = _meter.CreateHistogram<double>("mlops.model.load_duration", "ms", "Time to load a model version");
        _driftRuns = _meter.CreateCounter<long>("mlops.drift.runs", "{run}", "Drift checks, by model, trigger and status");
        _driftAlerts = _meter.CreateCounter<long>("mlops.drift.alerts", "{alert}", "Confirmed drift or decay, by model and reason");
        _feedbackLabels = _meter.CreateCounter<long>("mlops.feedback.labels", "{label}", "Ground-truth labels recorded");
        _datasetsValidated = _meter.CreateCounter<long>("mlops.datasets.validated", "{file}", "Dataset files validated, by model and outcome (registered or quarantined)");
        _validationMs = _meter.CreateHistogram<double>("mlops.datasets.validation_duration", "ms", "Time to validate one dataset file");
        _blobTriggerPoison = _meter.CreateCounter<long>("mlops.blob_trigger.poison", "{blob}", "Blobs recorded as poison after the last failed attempt");
        _retrainingRequests = _meter.CreateCounter<long>("mlops.retraining.requests", "{request}", "Retraining requests, by reason and outcome");
    }

    /// <summary>Rows shed since start, for health reporting and tests.</summary>
    public long PredictionLogDropped => Interlocked.Read(ref _droppedTotal);

    /// <summary>Adds scored rows to the model version's total (metric <c>mlops.prediction.rows</c>); cheap enough for every request.</summary>
    public void RowsScored(string model, int version, int rows)
    {
        var total = _rowsScored.GetOrAdd((model, version), static _ => new StrongBox<long>());
        Interlocked.Add(ref total.Value, rows);
    }

    /// <summary>The running totals of dynamic batching for a model version (metrics <c>mlops.prediction.combined_runs</c> and <c>.batched_requests</c>).</summary>
    /// <remarks>Kept per version rather than per loaded session, so a reloaded session adds to the same totals and the counters never go back.</remarks>
    public BatchingTotals Batching(string model, int version) => _batching.GetOrAdd((model, version), static _ => new BatchingTotals());

    /// <summary>One measurement per model version, tagged with both, read from that version's running total.</summary>
    private static IEnumerable<Measurement<long>> ObservePerVersion<T>(ConcurrentDictionary<(string Model, int Version), T> totals, Func<T, long> read)
    {
        foreach (var ((model, version), total) in totals)
        {
            yield return new Measurement<long>(read(total), new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("version", version));
        }
    }

    public void PredictionLogDroppedRows(int rows)
    {
        Interlocked.Add(ref _droppedTotal, rows);
        _logRowsDropped.Add(rows);
    }

    public void PredictionLogWritten(int rows) => _logRowsWritten.Add(rows);

    public void PredictionLogFailed(int rows) => _logWriteFailures.Add(rows);

    public void ModelLoaded(string model, TimeSpan elapsed) => _modelLoadMs.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("model", model));

    public void RetrainingRequested(string model, string reason, bool accepted) =>
        _retrainingRequests.Add(1, new("model", model), new("reason", reason), new("outcome", accepted ? "accepted" : "suppressed"));

    public void DriftRun(string model, string trigger, string status) =>
        _driftRuns.Add(1, new("model", model), new("trigger", trigger), new("status", status));

    public void DriftAlert(string model, int version, string reason) =>
        _driftAlerts.Add(1, new("model", model), new("version", version), new("reason", reason));

    public void FeedbackRecorded(string model, int labels) => _feedbackLabels.Add(labels, new KeyValuePair<string, object?>("model", model));
    public void DatasetValidated(string model, string outcome, TimeSpan elapsed)
    {
        _datasetsValidated.Add(1, new("model", model), new("outcome", outcome));
        _validationMs.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("model", model));
    }

    public void BlobTriggerPoisoned(string function) => _blobTriggerPoison.Add(1, new KeyValuePair<string, object?>("function", function));

    public void Dispose() => _meter.Dispose();
}

/// <summary>Running totals of one model version's dynamic batching; safe to add to from any thread.</summary>
public sealed class BatchingTotals
{
    private long _combinedRuns;
    private long _batchedRequests;

    /// <summary>Runs that scored more than one waiting request.</summary>
    public long CombinedRuns => Interlocked.Read(ref _combinedRuns);

    /// <summary>Requests scored in those runs.</summary>
    public long BatchedRequests => Interlocked.Read(ref _batchedRequests);

    /// <summary>Counts one combined run of <paramref name="requests"/> requests.</summary>
    public void AddCombinedRun(int requests)
    {
        Interlocked.Increment(ref _combinedRuns);
        Interlocked.Add(ref _batchedRequests, requests);
    }
}
