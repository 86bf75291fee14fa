using MLOps.Domain.Features;

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
/// Requests are combined only when they use the same feature schema instance (the version's own), so columns line
/// up by construction. If a combined run fails, each request is scored alone, so one bad request cannot fail the
/// others it was batched with. Rows are scored independently, so labels are the same as alone; float32 probabilities
/// may differ in the last bits (about 1e-7 seen), because ONNX Runtime's kernels add in a different order for a
/// different batch size. Turn batching off where bit-for-bit reproducibility matters more than throughput.
/// </para>
/// </remarks>
internal sealed class DynamicBatcher(Scorer scorer, ModelSession session, int maxConcurrentRuns, int maxRows)
{
    private readonly object _gate = new();
    private readonly Queue<Waiting> _waiting = new();
    private int _running;

    private long _batchedRequests;

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

    /// <summary>Requests scored as part of a combined run so far (for tests and metrics).</summary>
    public long BatchedRequests => Interlocked.Read(ref _batchedRequests);

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

    /// <summary>Frees a run slot, or hands it straight to the requests that waited for one.</summary>
    private void Release()
    {
        List<Waiting>? group = null;
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                _running--;
                return;
            }

            var rows = 0;
            group = [];
            while (_waiting.TryPeek(out var next) && (group.Count == 0 || rows + next.Batch.Rows <= maxRows))
            {
                group.Add(_waiting.Dequeue());
                rows += next.Batch.Rows;
            }
        }

        // The slot passes to the group without being freed; it runs on the thread pool so that the request which
        // just finished answers now rather than after someone else's run.
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Batcher.RunGroup(state.Group), (Batcher: this, Group: group), preferLocal: false);
    }

    private void RunGroup(List<Waiting> group)
    {
        try
        {
            if (group.Count == 1)
            {
                Complete(group[0], () => scorer.Score(session, group[0].Batch));
                return;
            }

            Interlocked.Add(ref _batchedRequests, group.Count);
            ScoreResult combined;
            try
            {
                combined = scorer.Score(session, Concat(group));
            }
            catch (Exception)
            {
                // Isolate the request that made the combined run fail.
                foreach (var waiting in group)
                {
                    Complete(waiting, () => scorer.Score(session, waiting.Batch));
                }

                return;
            }

            var start = 0;
            foreach (var waiting in group)
            {
                waiting.Result.TrySetResult(Slice(combined, start, waiting.Batch.Rows));
                start += waiting.Batch.Rows;
            }
        }
        finally
        {
            Release();
        }
    }

    private static void Complete(Waiting waiting, Func<ScoreResult> score)
    {
        try
        {
            waiting.Result.TrySetResult(score());
        }
        catch (Exception ex)
        {
            waiting.Result.TrySetException(ex);
        }
    }

    internal static FeatureBatch Concat(IReadOnlyList<Waiting> group)
    {
        var schema = group[0].Batch.Schema;
        var rows = group.Sum(w => w.Batch.Rows);
        var columns = new Array[schema.Features.Count];
        for (var f = 0; f < columns.Length; f++)
        {
            var first = group[0].Batch.Columns[f];
            var column = Array.CreateInstance(first.GetType().GetElementType()!, rows);
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
            OtherOutputs = all.OtherOutputs.ToDictionary(o => o.Key, o => o.Value[start..(start + rows)], StringComparer.Ordinal),
        };
    }

    /// <summary>A request waiting for a run slot.</summary>
    internal sealed class Waiting(FeatureBatch batch)
    {
        public FeatureBatch Batch { get; } = batch;

        public TaskCompletionSource<ScoreResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
