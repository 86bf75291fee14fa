using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
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
    private InProcessPredict _host = null!;
    private ApiKeyStore _keys = null!;
    private AliasResolver _aliases = null!;
    private ModelSessionCache _sessions = null!;
    private PredictionScheduler _scheduler = null!;
    private PredictionLogQueue _log = null!;
    private JsonDocument _document = null!;
    private JsonElement _inputs;
    private ModelSession _session = null!;
    private FeatureBatch _batch = null!;
    private ScoreResult _result = null!;
    private string[] _ids = null!;

    [GlobalSetup]
    public void Setup()
    {
        _host = InProcessPredict.Start();
        var services = _host.Served.Services;
        _keys = services.GetRequiredService<ApiKeyStore>();
        _aliases = services.GetRequiredService<AliasResolver>();
        _sessions = services.GetRequiredService<ModelSessionCache>();
        _scheduler = services.GetRequiredService<PredictionScheduler>();
        _log = services.GetRequiredService<PredictionLogQueue>();
        _document = JsonDocument.Parse(_host.Body);
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
        _host.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "whole predict handler")]
    public int Whole() => _host.Predict();

    [Benchmark(Description = "context")]
    public int Context() => _host.NewContext().Response.StatusCode;

    [Benchmark(Description = "key check")]
    public Role Key() => _keys.Authorize(_host.Served.Key, Role.Reader).Role;

    [Benchmark(Description = "body read + parse")]
    public int Body()
    {
        var context = _host.NewContext();
        using var json = RequestBody.ReadJsonAsync(context.Request, 4 << 20, CancellationToken.None).GetAwaiter().GetResult();
        return json.RootElement.GetProperty("inputs").GetArrayLength();
    }

    [Benchmark(Description = "selector + alias + lease")]
    public int Resolve()
    {
        var context = _host.NewContext();
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
        var context = _host.NewContext();
        new PredictionResponse(ChurnWorkload.ModelName, 1, "champion", _ids, _result).ExecuteAsync(context).GetAwaiter().GetResult();
        context.Response.CompleteAsync().GetAwaiter().GetResult();
        return context.Response.StatusCode;
    }
}
