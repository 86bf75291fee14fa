using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Functions.Configuration;
using MLOps.Functions.Registry;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Scoring;

/// <summary>Loaded sessions per model version, loaded once and shared; retired sessions close when idle.</summary>
/// <remarks>
/// Concurrent first requests for a version share one load. A failed load is forgotten so that the
/// next request tries again. Versions that an alias points to are pinned; others are retired
/// least-recently-used beyond <see cref="RegistryOptions.SessionCacheCapacity"/>.
/// </remarks>
public sealed partial class ModelSessionCache(
    IModelRegistry registry,
    IOptions<RegistryOptions> registryOptions,
    IOptions<PredictionOptions> predictionOptions,
    MLOpsMetrics metrics,
    TimeProvider time,
    ILogger<ModelSessionCache> logger) : IDisposable
{
    private readonly ConcurrentDictionary<(string Model, int Version), Lazy<Task<ModelSession>>> _sessions = new();
    private readonly ConcurrentDictionary<(string Model, int Version), byte> _pinned = new();

    /// <summary>A lease on the session of this version, loading it first if this instance has not.</summary>
    public async ValueTask<SessionLease> AcquireAsync(string model, int version, CancellationToken cancellationToken)
    {
        while (true)
        {
            var session = await GetOrLoadAsync(model, version, cancellationToken).ConfigureAwait(false);
            if (session.TryAcquire())
            {
                session.LastUsedTicks = time.GetTimestamp();
                return new SessionLease(session);
            }

            // Retired between lookup and acquire; the next lookup loads a fresh one.
        }
    }

    /// <summary>Loads a version ahead of traffic, as an alias move does before it commits.</summary>
    public async Task PreloadAsync(ModelVersion version, CancellationToken cancellationToken)
    {
        using var lease = await AcquireAsync(version.Model, version.Version, cancellationToken).ConfigureAwait(false);
    }

    public void Pin(string model, int version) => _pinned[(model, version)] = 0;

    public void Unpin(string model, int version) => _pinned.TryRemove((model, version), out _);

    /// <summary>Drops a version from the cache; its session closes after the requests using it finish.</summary>
    public void Retire(string model, int version)
    {
        if (_sessions.TryRemove((model, version), out var entry) && entry.IsValueCreated && entry.Value.IsCompletedSuccessfully)
        {
            entry.Value.Result.Release();
            LogRetired(logger, model, version);
        }
    }

    public IReadOnlyCollection<(string Model, int Version)> Loaded => _sessions.Keys.ToList();

    public void Dispose()
    {
        foreach (var key in _sessions.Keys)
        {
            Retire(key.Model, key.Version);
        }
    }

    /// <summary>The session of a version: a loaded one's own completed task, or a wait for its load.</summary>
    internal Task<ModelSession> GetOrLoadAsync(string model, int version, CancellationToken cancellationToken)
    {
        var key = (model, version);
        // The static factory with an argument keeps the hit path (every request) free of closure allocations, and a
        // loaded session's own task is handed out as it is, so the hit path allocates no task either.
        var entry = _sessions.GetOrAdd(key, static (k, cache) => new Lazy<Task<ModelSession>>(() => cache.LoadAsync(k.Model, k.Version)), this);
        return entry.IsValueCreated && entry.Value.IsCompletedSuccessfully ? entry.Value : WaitForLoadAsync(key, entry, cancellationToken);
    }

    private async Task<ModelSession> WaitForLoadAsync((string Model, int Version) key, Lazy<Task<ModelSession>> entry, CancellationToken cancellationToken)
    {
        try
        {
            return await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (entry.Value.IsFaulted || entry.Value.IsCanceled)
        {
            _sessions.TryRemove(new KeyValuePair<(string, int), Lazy<Task<ModelSession>>>(key, entry));
            throw;
        }
    }

    private async Task<ModelSession> LoadAsync(string model, int number)
    {
        // Not tied to one request's cancellation: other requests may be waiting on the same load.
        var version = await registry.GetVersionAsync(model, number, CancellationToken.None).ConfigureAwait(false);
        if (version.Status == ModelVersionStatus.Archived)
        {
            throw MLOpsException.Conflict($"Version {number} of '{model}' is archived and is not served.");
        }

        var bytes = await registry.ReadArtifactAsync(version, CancellationToken.None).ConfigureAwait(false);
        var started = time.GetTimestamp();
        using var options = CreateSessionOptions(predictionOptions.Value);
        InferenceSession inference;
        try
        {
            inference = new InferenceSession(bytes, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new MLOpsException(ProblemKind.Integrity, "Model cannot be loaded.", $"Version {number} of '{model}' could not be loaded by ONNX Runtime: {ex.Message}", inner: ex);
        }

        var session = new ModelSession(version, inference) { LastUsedTicks = time.GetTimestamp() };
        var elapsed = time.GetElapsedTime(started);
        metrics.ModelLoaded(model, elapsed);
        LogLoaded(logger, model, number, elapsed.TotalMilliseconds, version.SizeBytes);
        EvictBeyondCapacity(model, number);
        return session;
    }

    internal static SessionOptions CreateSessionOptions(PredictionOptions options)
    {
        var session = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
        };
        if (options.ExecutionProvider == "Cuda")
        {
            // Needs the GPU build of ONNX Runtime (Microsoft.ML.OnnxRuntime.Gpu) on a CUDA host.
            session.AppendExecutionProvider_CUDA(0);
        }

        return session;
    }

    private void EvictBeyondCapacity(string loadingModel, int loadingVersion)
    {
        var capacity = registryOptions.Value.SessionCacheCapacity;
        var candidates = _sessions
            .Where(p => !_pinned.ContainsKey(p.Key) && p.Key != (loadingModel, loadingVersion) && p.Value.IsValueCreated && p.Value.Value.IsCompletedSuccessfully)
            .Select(p => (p.Key, p.Value.Value.Result.LastUsedTicks))
            .OrderBy(p => p.LastUsedTicks)
            .ToList();
        var excess = _sessions.Count - capacity - _pinned.Count;
        foreach (var (key, _) in candidates.Take(Math.Max(0, excess)))
        {
            Retire(key.Item1, key.Item2);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Model} version {Version} in {ElapsedMs:F1} ms ({SizeBytes} bytes)")]
    private static partial void LogLoaded(ILogger logger, string model, int version, double elapsedMs, long sizeBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retired model {Model} version {Version}; it closes when its last request ends")]
    private static partial void LogRetired(ILogger logger, string model, int version);
}
