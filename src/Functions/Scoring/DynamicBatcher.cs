using MLOps.Domain.Features;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Scoring;

/// <summary>Scores concurrent requests for one model version together when every run slot is busy.</summary>
/// <remarks>
/// <para>
/// One ONNX Runtime run of a small tabular model costs about the same for 1 row as for 50: most of it is per call.
/// Under concurrent single-row traffic, scoring each request on its own spends the processors on that fixed cost.
/// Here a request that finds a free run slot (at most <c>maxConcurrentRuns</c> at once) is scored immediately, on
/// its own thread, so an idle or lightly loaded server adds no delay at all. A request that finds every slot busy
/// waits, and when a slot frees, all waiting requests (up to <c>maxRows</c> rows) are scored in one combined run and
/// each gets its own rows back. This is the dynamic batching of Triton and KServe, without their fixed wait window.
/// </para>
/// <para>
/// A slot that frees while requests wait is handed on without being freed, to a work item on the local queue of the
/// thread whose run just ended: that thread picks it up once its own request has answered, still warm and without
/// waking another thread (an idle thread steals it if this one stays busy). The group is formed when that work item
/// starts, not when the slot was handed on, so requests that arrive while the previous answers are being written
/// join it instead of waiting for one more run (at 16 concurrent requests, 5.0-5.4 requests per group instead of
/// 3.6-4.1; the +2.8-3.3% throughput of the same-process A/B runs is inside their ±4% noise, so the larger groups are
/// what is claimed; docs/benchmarks.md, seventh and eighth sessions). The thread that ran a group lets each of its
/// requests go on inline (the rest of the function and the answer), which saves a thread-pool hand-off and wake-up
/// per request.
/// </para>
/// <para>
/// Requests are combined only when they use the same feature schema instance (the version's own), so columns line
/// up by construction. If a combined run fails, each request is scored alone, so one bad request cannot fail the
/// others it was batched with. Rows are scored independently, so labels are the same as alone; float32 probabilities
/// may differ in the last bits (about 1e-7 seen), because ONNX Runtime's kernels add in a different order for a
/// different batch size. Turn batching off where bit-for-bit reproducibility matters more than throughput.
/// </para>
/// </remarks>
/// <param name="totals">
/// Where combined runs and the requests in them are counted (the version's totals in <see cref="MLOpsMetrics"/>); by
/// default totals of this batcher's own.
/// </param>
/// <param name="handOff">
/// Where a handed-on slot goes (for tests); by default the work item is queued on the current thread's local queue.
/// </param>
internal sealed class DynamicBatcher(Scorer scorer, ModelSession session, int maxConcurrentRuns, int maxRows, BatchingTotals? totals = null, Action<IThreadPoolWorkItem>? handOff = null)
    : IThreadPoolWorkItem
{
    private readonly BatchingTotals _totals = totals ?? new BatchingTotals();
    private readonly Lock _gate = new();
    private readonly Queue<Waiting> _waiting = new();
    private int _running;

    /// <summary>Runs in progress (for tests).</summary>
    internal int Running
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>Requests scored as part of a combined run so far, in this batcher's totals (metric <c>mlops.prediction.batched_requests</c>).</summary>
    public long BatchedRequests => _totals.BatchedRequests;

    /// <summary>Combined runs so far, in this batcher's totals (metric <c>mlops.prediction.combined_runs</c>).</summary>
    public long CombinedRuns => _totals.CombinedRuns;

    public ValueTask<ScoreResult> ScoreAsync(FeatureBatch batch)
    {
        lock (_gate)
        {
            // Only batches of the version's own schema line up column by column with each other.
            if (_running >= maxConcurrentRuns && batch.Rows < maxRows && ReferenceEquals(batch.Schema, session.Version.Features))
            {
                var waiting = new Waiting(batch);
                _waiting.Enqueue(waiting);
                return new ValueTask<ScoreResult>(waiting.Result.Task);
            }

            _running++;
        }

        try
        {
            return new ValueTask<ScoreResult>(scorer.Score(session, batch));
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Frees a run slot, or hands it on to the requests waiting for one.</summary>
    private void Release()
    {
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                _running--;
                return;
            }
        }

        // The slot passes on without being freed; the group runs on the thread pool so that the request which just
        // finished answers now rather than after someone else's run (see the remarks on where it is queued). The
        // work item is this batcher: queuing it allocates nothing, and two slots handed on at once queue it twice.
        if (handOff is null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
        else
        {
            handOff(this);
        }
    }

    /// <summary>Runs a handed-on slot: scores everything waiting now (up to <c>maxRows</c> rows) in one run.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        var group = TakeGroup();
        if (group is not null)
        {
            RunGroup(group);
        }
    }

    /// <summary>The waiting requests, oldest first, up to <c>maxRows</c> rows; null (and the slot freed) if another slot took them.</summary>
    private List<Waiting>? TakeGroup()
    {
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                // With several slots, another handed-on slot may have taken them all first.
                _running--;
                return null;
            }

            var rows = 0;
            var group = new List<Waiting>(Math.Min(_waiting.Count, maxRows));
            while (_waiting.TryPeek(out var next) && (group.Count == 0 || rows + next.Batch.Rows <= maxRows))
            {
                group.Add(_waiting.Dequeue());
                rows += next.Batch.Rows;
            }

            return group;
        }
    }

    private void RunGroup(List<Waiting> group)
    {
        var results = new ScoreResult?[group.Count];
        var errors = new Exception?[group.Count];
        try
        {
            ScoreGroup(group, results, errors);
        }
        catch (Exception ex)
        {
            // Not expected (each run's failure is caught below), but no waiting request may be left without an answer.
            for (var i = 0; i < group.Count; i++)
            {
                errors[i] ??= results[i] is null ? ex : null;
            }
        }
        finally
        {
            Release();
        }

        // The slot is with the next group already. Each waiting request now goes on inline on this thread (the rest of
        // its function and its answer): a hand-off to the thread pool per request, and the wake-up of a thread for
        // it, cost more on a busy server than the work itself. Requests arriving meanwhile join the next group.
        for (var i = 0; i < group.Count; i++)
        {
            if (errors[i] is { } error)
            {
                group[i].Result.TrySetException(error);
            }
            else
            {
                group[i].Result.TrySetResult(results[i]!);
            }
        }
    }

    private void ScoreGroup(List<Waiting> group, ScoreResult?[] results, Exception?[] errors)
    {
        if (group.Count > 1)
        {
            ScoreResult? combined = null;
            try
            {
                combined = scorer.Score(session, Concat(group));
            }
            catch (Exception)
            {
                // Isolate the request that made the combined run fail: each is scored alone below.
            }

            if (combined is not null)
            {
                // Counted once the combined run has answered: a group that fell back to single runs was not combined.
                _totals.AddCombinedRun(group.Count);
                var start = 0;
                for (var i = 0; i < group.Count; i++)
                {
                    results[i] = Slice(combined, start, group[i].Batch.Rows);
                    start += group[i].Batch.Rows;
                }

                return;
            }
        }

        for (var i = 0; i < group.Count; i++)
        {
            try
            {
                results[i] = scorer.Score(session, group[i].Batch);
            }
            catch (Exception ex)
            {
                errors[i] = ex;
            }
        }
    }

    internal static FeatureBatch Concat(IReadOnlyList<Waiting> group)
    {
        var schema = group[0].Batch.Schema;
        var rows = group.Sum(w => w.Batch.Rows);
        var columns = new Array[schema.Features.Count];
        for (var f = 0; f < columns.Length; f++)
        {
            var column = Array.CreateInstanceFromArrayType(group[0].Batch.Columns[f].GetType(), rows);
            var offset = 0;
            foreach (var waiting in group)
            {
                var part = waiting.Batch.Columns[f];
                Array.Copy(part, 0, column, offset, waiting.Batch.Rows);
                offset += waiting.Batch.Rows;
            }

            columns[f] = column;
        }

        return new FeatureBatch(schema, rows, columns);
    }

    internal static ScoreResult Slice(ScoreResult all, int start, int rows)
    {
        return new ScoreResult
        {
            Rows = rows,
            IntLabels = all.IntLabels?[start..(start + rows)],
            StringLabels = all.StringLabels?[start..(start + rows)],
            Probabilities = all.Probabilities is { } p && all.Rows > 0 ? p[(start * (p.Length / all.Rows))..((start + rows) * (p.Length / all.Rows))] : null,
            ClassNames = all.ClassNames,
            Values = all.Values?[start..(start + rows)],
            OtherOutputs = all.OtherOutputs.Count == 0 ? all.OtherOutputs : all.OtherOutputs.ToDictionary(o => o.Key, o => o.Value[start..(start + rows)], StringComparer.Ordinal),
        };
    }

    /// <summary>A request waiting for a run slot.</summary>
    internal sealed class Waiting(FeatureBatch batch)
    {
        public FeatureBatch Batch { get; } = batch;

        /// <summary>Completed by the thread that ran the group, which then runs the request's continuation inline.</summary>
        public TaskCompletionSource<ScoreResult> Result { get; } = new();
    }
}
