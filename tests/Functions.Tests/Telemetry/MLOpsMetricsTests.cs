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
}
