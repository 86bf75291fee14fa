using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Tests.Telemetry;

public sealed class MLOpsMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task RowsScored_ConcurrentRequests_AreObservedAsTotalsPerModelVersion()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        using var metrics = new MLOpsMetrics(factory);
        var observed = new List<(long Value, string? Model, object? Version)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "mlops.prediction.rows")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? model = null;
            object? version = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "model")
                {
                    model = tag.Value as string;
                }
                else if (tag.Key == "version")
                {
                    version = tag.Value;
                }
            }

            observed.Add((value, model, version));
        });
        listener.Start();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                metrics.RowsScored("churn", 1, 3);
            }
        })));
        metrics.RowsScored("churn", 2, 1);
        metrics.RowsScored("iris", 1, 1000);
        listener.RecordObservableInstruments();

        Assert.Equal(3, observed.Count);
        Assert.Contains((120_000L, "churn", (object?)1), observed);
        Assert.Contains((1L, "churn", (object?)2), observed);
        Assert.Contains((1000L, "iris", (object?)1), observed);

        // A counter is cumulative: the next collection reports the totals again, grown by what was scored since.
        observed.Clear();
        metrics.RowsScored("churn", 2, 4);
        listener.RecordObservableInstruments();
        Assert.Contains((5L, "churn", (object?)2), observed);
        Assert.Contains((120_000L, "churn", (object?)1), observed);
    }

    [Fact]
    public void Batching_TotalsPerModelVersion_AreObservedAsCombinedRunsAndBatchedRequests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        using var metrics = new MLOpsMetrics(factory);
        var observed = new List<(string Instrument, long Value, string? Model, object? Version)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name is "mlops.prediction.combined_runs" or "mlops.prediction.batched_requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var model = tags.ToArray().FirstOrDefault(t => t.Key == "model").Value as string;
            var version = tags.ToArray().FirstOrDefault(t => t.Key == "version").Value;
            observed.Add((instrument.Name, value, model, version));
        });
        listener.Start();

        // A session reloaded for the same version gets the same totals, so the counters never go back.
        var first = metrics.Batching("churn", 1);
        Assert.Same(first, metrics.Batching("churn", 1));
        first.AddCombinedRun(5);
        var other = metrics.Batching("churn", 2);
        other.AddCombinedRun(3);
        other.AddCombinedRun(4);
        listener.RecordObservableInstruments();

        Assert.Equal(4, observed.Count);
        Assert.Contains(("mlops.prediction.combined_runs", 1L, "churn", (object?)1), observed);
        Assert.Contains(("mlops.prediction.batched_requests", 5L, "churn", (object?)1), observed);
        Assert.Contains(("mlops.prediction.combined_runs", 2L, "churn", (object?)2), observed);
        Assert.Contains(("mlops.prediction.batched_requests", 7L, "churn", (object?)2), observed);
    }
}
