using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MLOps.Benchmarks.Http;
using MLOps.Domain.Features;
using MLOps.Domain.Security;
using MLOps.Functions.Http;
using MLOps.Functions.PredictionLog;
using MLOps.Functions.Scoring;
using MLOps.Functions.Security;

namespace MLOps.Benchmarks.Handler;

/// <summary>The steps of one single-row predict call, each on its own, against the whole call in the same run.</summary>
/// <remarks>
/// The ratios say which share of the function each step takes, so a change can be aimed at the step that costs most.
/// Steps that need a request ("body read + parse", "selector + alias + lease", "answer") include building a
/// <see cref="DefaultHttpContext"/>, measured on its own as "context". The steps do not add up to the whole: the
/// rest is the frame around them (the runner, async state machines, the metrics counter).
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class HandlerPartsBenchmarks
{
    private PrivateAzurite _azurite = null!;
    private ServedModel _served = null!;
    private ApiKeyStore _keys = null!;
    private AliasResolver _aliases = null!;
    private ModelSessionCache _sessions = null!;
    private PredictionScheduler _scheduler = null!;
    private PredictionLogQueue _log = null!;
    private HttpFunction _predict = null!;
    private byte[] _body = null!;
    private JsonDocument _document = null!;
    private JsonElement _inputs;
    private ModelSession _session = null!;
    private FeatureBatch _batch = null!;
    private ScoreResult _result = null!;
    private string[] _ids = null!;

    [GlobalSetup]
    public void Setup()
    {
        _azurite = PrivateAzurite.StartAsync(MLOps.Samples.RepoRoot.Path, CancellationToken.None).GetAwaiter().GetResult();
        _served = ServedModel.StartAsync(_azurite.ConnectionString, LogLevel.Warning, predictionLog: true, CancellationToken.None).GetAwaiter().GetResult();
        var services = _served.Services;
        _keys = services.GetRequiredService<ApiKeyStore>();
        _aliases = services.GetRequiredService<AliasResolver>();
        _sessions = services.GetRequiredService<ModelSessionCache>();
        _scheduler = services.GetRequiredService<PredictionScheduler>();
        _log = services.GetRequiredService<PredictionLogQueue>();
        _predict = FunctionCatalog.Http.Single(f => f.Name == "Predict");
        _body = ChurnWorkload.PredictBody(1);
        _document = JsonDocument.Parse(_body);
        _inputs = _document.RootElement.GetProperty("inputs");
        using (var lease = _sessions.AcquireAsync(ChurnWorkload.ModelName, 1, CancellationToken.None).GetAwaiter().GetResult())
        {
            _session = lease.Session;
        }

        _batch = RecordBatchParser.Parse(_inputs, _session.Version.Features!, 1000);
        _result = _scheduler.ScoreAsync(_session, _batch).GetAwaiter().GetResult();
        _ids = _log.Record(ChurnWorkload.ModelName, 1, DateTimeOffset.UtcNow, new JsonRecordInputs(_inputs), _result);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _document.Dispose();
        _served.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _azurite.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "whole predict handler")]
    public int Whole()
    {
        var context = NewContext();
        context.RequestServices = _served.Services;
        context.Request.RouteValues = new Microsoft.AspNetCore.Routing.RouteValueDictionary { ["name"] = ChurnWorkload.ModelName };
        var result = _predict.Handler(context.Request).GetAwaiter().GetResult();
        result.ExecuteAsync(context).GetAwaiter().GetResult();
        context.Response.CompleteAsync().GetAwaiter().GetResult();
        return context.Response.StatusCode;
    }

    [Benchmark(Description = "context")]
    public int Context() => NewContext().Response.StatusCode;

    [Benchmark(Description = "key check")]
    public Role Key() => _keys.Authorize(_served.Key, Role.Reader).Role;

    [Benchmark(Description = "body read + parse")]
    public int Body()
    {
        var context = NewContext();
        using var json = RequestBody.ReadJsonAsync(context.Request, 4 << 20, CancellationToken.None).GetAwaiter().GetResult();
        return json.RootElement.GetProperty("inputs").GetArrayLength();
    }

    [Benchmark(Description = "selector + alias + lease")]
    public int Resolve()
    {
        var context = NewContext();
        var selector = ModelSelector.From(context.Request);
        var version = selector.ResolveAsync(ChurnWorkload.ModelName, _aliases, CancellationToken.None).GetAwaiter().GetResult();
        using var lease = _sessions.AcquireAsync(ChurnWorkload.ModelName, version, CancellationToken.None).GetAwaiter().GetResult();
        return lease.Session.Version.Version;
    }

    [Benchmark(Description = "record parse")]
    public int Parse() => RecordBatchParser.Parse(_inputs, _session.Version.Features!, 1000).Rows;

    [Benchmark(Description = "score (scheduler)")]
    public int Score() => _scheduler.ScoreAsync(_session, _batch).GetAwaiter().GetResult().Rows;

    [Benchmark(Description = "log record (ids + line)")]
    public int Log() => _log.Record(ChurnWorkload.ModelName, 1, DateTimeOffset.UtcNow, new JsonRecordInputs(_inputs), _result).Length;

    [Benchmark(Description = "answer")]
    public int Answer()
    {
        var context = NewContext();
        new PredictionResponse(ChurnWorkload.ModelName, 1, "champion", _ids, _result).ExecuteAsync(context).GetAwaiter().GetResult();
        context.Response.CompleteAsync().GetAwaiter().GetResult();
        return context.Response.StatusCode;
    }

    private DefaultHttpContext NewContext()
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = "POST";
        request.Path = ServedModel.PredictPath;
        request.ContentType = "application/json";
        request.ContentLength = _body.Length;
        request.Body = new MemoryStream(_body, writable: false);
        request.Headers["x-functions-key"] = _served.Key;
        context.Response.Body = new MemoryStream();
        return context;
    }
}
