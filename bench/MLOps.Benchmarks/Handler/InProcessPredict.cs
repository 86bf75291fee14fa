using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using MLOps.Benchmarks.Http;
using MLOps.Functions.Http;

namespace MLOps.Benchmarks.Handler;

/// <summary>
/// The real local host's predict function, called in process on a <see cref="DefaultHttpContext"/> with one churn
/// record: the benchmark's own Azurite, the churn model registered as champion, the prediction log on.
/// </summary>
internal sealed class InProcessPredict : IAsyncDisposable
{
    private readonly PrivateAzurite _azurite;
    private readonly HttpFunction _predict = FunctionCatalog.Http.Single(f => f.Name == "Predict");

    private InProcessPredict(PrivateAzurite azurite, ServedModel served)
    {
        _azurite = azurite;
        Served = served;
    }

    public ServedModel Served { get; }

    public byte[] Body { get; } = ChurnWorkload.PredictBody(1);

    public static InProcessPredict Start()
    {
        var azurite = PrivateAzurite.StartAsync(MLOps.Samples.RepoRoot.Path, CancellationToken.None).GetAwaiter().GetResult();
        var served = ServedModel.StartAsync(azurite.ConnectionString, LogLevel.Warning, predictionLog: true, CancellationToken.None).GetAwaiter().GetResult();
        var host = new InProcessPredict(azurite, served);
        if (host.Predict() != 200)
        {
            throw new InvalidOperationException("The in-process predict call did not answer 200.");
        }

        return host;
    }

    /// <summary>One predict call, answered into memory; returns the status code.</summary>
    public int Predict()
    {
        var context = NewContext();
        var result = _predict.Handler(context.Request).GetAwaiter().GetResult();
        result.ExecuteAsync(context).GetAwaiter().GetResult();

        // As Kestrel does at the end of every request: complete the response pipe, which returns its pooled segment;
        // without this the segment was dropped with the context (3.4 KB counted per call that a server never allocates).
        context.Response.CompleteAsync().GetAwaiter().GetResult();
        return context.Response.StatusCode;
    }

    /// <summary>A request as Kestrel and routing hand it to the function: POST predict with the body and the key.</summary>
    public DefaultHttpContext NewContext()
    {
        var context = new DefaultHttpContext { RequestServices = Served.Services };
        var request = context.Request;
        request.Method = "POST";
        request.Path = ServedModel.PredictPath;
        request.ContentType = "application/json";
        request.ContentLength = Body.Length;
        request.Body = new MemoryStream(Body, writable: false);
        request.Headers["x-functions-key"] = Served.Key;
        request.RouteValues = new RouteValueDictionary { ["name"] = ChurnWorkload.ModelName };
        context.Response.Body = new MemoryStream();
        return context;
    }

    public async ValueTask DisposeAsync()
    {
        await Served.DisposeAsync().ConfigureAwait(false);
        await _azurite.DisposeAsync().ConfigureAwait(false);
    }
}
