using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MLOps.Benchmarks.Http;
using MLOps.Functions.Http;

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
    private PrivateAzurite _azurite = null!;
    private ServedModel _served = null!;
    private IServiceProvider _services = null!;
    private HttpFunction _predict = null!;
    private byte[] _body = null!;
    private byte[] _constant = null!;

    [GlobalSetup]
    public void Setup()
    {
        _azurite = PrivateAzurite.StartAsync(MLOps.Samples.RepoRoot.Path, CancellationToken.None).GetAwaiter().GetResult();
        _served = ServedModel.StartAsync(_azurite.ConnectionString, LogLevel.Warning, predictionLog: true, CancellationToken.None).GetAwaiter().GetResult();
        _services = _served.Services;
        _predict = FunctionCatalog.Http.Single(f => f.Name == "Predict");
        _body = ChurnWorkload.PredictBody(1);
        _constant = Encoding.UTF8.GetBytes(_served.PredictOnceAsync(_body, CancellationToken.None).GetAwaiter().GetResult());
        if (Predict() != 200)
        {
            throw new InvalidOperationException("The in-process predict call did not answer 200.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _served.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _azurite.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "Bare handler: constant JSON answer")]
    public int Bare()
    {
        var context = Context();
        Results.Bytes(_constant, "application/json").ExecuteAsync(context).GetAwaiter().GetResult();
        context.Response.CompleteAsync().GetAwaiter().GetResult();
        return context.Response.StatusCode;
    }

    [Benchmark(Description = "Predict handler: one churn record")]
    public int Predict()
    {
        var context = Context();
        var result = _predict.Handler(context.Request).GetAwaiter().GetResult();
        result.ExecuteAsync(context).GetAwaiter().GetResult();

        // As Kestrel does at the end of every request: the predict answer is committed to the response pipe unflushed,
        // and without this the pipe's pooled segment was dropped with the context (3.4 KB counted per call that a
        // server never allocates).
        context.Response.CompleteAsync().GetAwaiter().GetResult();
        return context.Response.StatusCode;
    }

    private DefaultHttpContext Context()
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        var request = context.Request;
        request.Method = "POST";
        request.Path = ServedModel.PredictPath;
        request.ContentType = "application/json";
        request.ContentLength = _body.Length;
        request.Body = new MemoryStream(_body, writable: false);
        request.Headers["x-functions-key"] = _served.Key;
        request.RouteValues = new RouteValueDictionary { ["name"] = ChurnWorkload.ModelName };
        context.Response.Body = new MemoryStream();
        return context;
    }
}
