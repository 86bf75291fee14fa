using Microsoft.ML.OnnxRuntime;
using MLOps.Domain.Registry;

namespace MLOps.Functions.Scoring;

/// <summary>A loaded ONNX Runtime session for one model version, shared by concurrent requests.</summary>
/// <remarks>
/// Reference-counted: the cache holds one reference and every request holds one through a
/// <see cref="SessionLease"/>. Retiring drops the cache's reference, so the native session is
/// disposed only when the last request still running on it has finished.
/// </remarks>
public sealed class ModelSession
{
    private readonly InferenceSession _session;
    private int _references = 1;

    internal ModelSession(ModelVersion version, InferenceSession session)
    {
        Version = version;
        _session = session;
        Plan = OutputPlan.For(version, session);
        InputRanks = session.InputMetadata.ToDictionary(i => i.Key, i => i.Value.Dimensions.Length, StringComparer.Ordinal);
        KnownCategories = version.Features?.Features.Select(f => KnownStrings.For(f.Categories)).ToArray() ?? [];
        RowBindings = RowBinding.Supports(session, version.Features) ? new RowBindingPool(this) : null;
    }

    public ModelVersion Version { get; }

    internal InferenceSession Session => _session;

    internal OutputPlan Plan { get; }

    /// <summary>Rank of each input, read once at load rather than per request.</summary>
    internal IReadOnlyDictionary<string, int> InputRanks { get; }

    /// <summary>Each schema feature's categories pre-encoded for string tensors (null where it has none).</summary>
    internal IReadOnlyList<KnownStrings?> KnownCategories { get; }

    /// <summary>Reusable tensors for single-row runs; null when the model's inputs or outputs cannot be bound ahead.</summary>
    internal RowBindingPool? RowBindings { get; }

    internal long LastUsedTicks { get; set; }

    public bool IsDisposed { get; private set; }

    internal bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            IsDisposed = true;
            RowBindings?.Dispose();
            _session.Dispose();
        }
    }
}

/// <summary>A request's hold on a <see cref="ModelSession"/>; disposing it lets a retired session go.</summary>
public sealed class SessionLease : IDisposable
{
    private ModelSession? _session;

    internal SessionLease(ModelSession session) => _session = session;

    public ModelSession Session => _session ?? throw new ObjectDisposedException(nameof(SessionLease));

    public void Dispose() => Interlocked.Exchange(ref _session, null)?.Release();
}
