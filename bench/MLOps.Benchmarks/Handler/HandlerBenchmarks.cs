using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;

namespace MLOps.Benchmarks.Handler;

/// <summary>
/// The predict function's own cost per single-row request, without sockets: the catalog handler run on a
/// <see cref="DefaultHttpContext"/> and its result written to memory, against a bare handler that writes a constant
/// answer the same way.
/// </summary>
/// <remarks>
/// The HTTP load run measures the whole stack on a shared 2-core box, where the client, Kestrel and Azurite all take
/// turns; this isolates what our handler adds (key check, alias resolution, session lease, parsing, ONNX Runtime, ids,
/// log queueing, answer) so a change to it can be judged without the noise of the load run. The served model is the
/// real local host's, registered in Azurite; the prediction log is on, as in production.
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 15)]
public class HandlerBenchmarks
{
    private InProcessPredict _host = null!;
    private byte[] _constant = null!;

    [GlobalSetup]
    public void Setup()
    {
        _host = InProcessPredict.Start();
        _constant = Encoding.UTF8.GetBytes(_host.Served.PredictOnceAsync(_host.Body, CancellationToken.None).GetAwaiter().GetResult());
    }

    [GlobalCleanup]
    public void Cleanup() => _host.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "Bare handler: constant JSON answer")]
    public int Bare()
    {
        var context = _host.NewContext();
        Results.Bytes(_constant, "application/json").ExecuteAsync(context).GetAwaiter().GetResult();
        context.Response.CompleteAsync().GetAwaiter().GetResult();
        return context.Response.StatusCode;
    }

    [Benchmark(Description = "Predict handler: one churn record")]
    public int Predict() => _host.Predict();
}
