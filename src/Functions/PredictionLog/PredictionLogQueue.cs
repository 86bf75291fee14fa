using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MLOps.Functions.Configuration;
using MLOps.Functions.Scoring;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.PredictionLog;

/// <summary>The bounded buffer between scoring and the prediction log writer.</summary>
/// <remarks>
/// Enqueueing never waits: when the buffer is full the row is shed and counted, because a slow
/// storage account must not slow predictions down.
/// </remarks>
public sealed class PredictionLogQueue
{
    private readonly Channel<PredictionRecord> _channel;
    private readonly MLOpsMetrics _metrics;
    private readonly bool _enabled;
    private readonly int _batchSize;
    private int _sinceDrain;
    private volatile bool _completed;
    private TaskCompletionSource _batchReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PredictionLogQueue(IOptions<PredictionLogOptions> options, MLOpsMetrics metrics)
    {
        _metrics = metrics;
        _enabled = options.Value.Enabled;
        _batchSize = options.Value.BatchSize;
        _channel = Channel.CreateBounded<PredictionRecord>(new BoundedChannelOptions(options.Value.Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
    }

    internal ChannelReader<PredictionRecord> Reader => _channel.Reader;

    /// <summary>Completes when a full batch has been queued since the writer last drained.</summary>
    /// <remarks>
    /// The writer sleeps until this or its flush interval, instead of waking for every row: at thousands of
    /// predictions a second, a wake-up per row (a thread-pool hop and a timer) cost more than writing the rows.
    /// </remarks>
    internal Task BatchReady => Volatile.Read(ref _batchReady).Task;

    /// <summary>The writer is about to drain: count anew and arm a fresh signal.</summary>
    internal void Draining()
    {
        // New signal first, then the count: a row counted after the reset signals the new one.
        if (_batchReady.Task.IsCompleted && !_completed)
        {
            var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _batchReady, next);
            if (_completed)
            {
                // Complete() ran meanwhile and may have signalled the old source: this one must not wait either.
                next.TrySetResult();
            }
        }

        Interlocked.Exchange(ref _sinceDrain, 0);
    }

    /// <summary>Queues a row; false when it was shed (buffer full, logging off, or shutting down).</summary>
    public bool TryEnqueue(PredictionRecord record)
    {
        // With FullMode.Wait, TryWrite returns false instead of dropping silently, so every shed row is counted.
        if (_enabled && _channel.Writer.TryWrite(record))
        {
            if (Interlocked.Increment(ref _sinceDrain) == _batchSize)
            {
                Volatile.Read(ref _batchReady).TrySetResult();
            }

            return true;
        }

        _metrics.PredictionLogDroppedRows(1);
        return false;
    }

    /// <summary>Gives every row of a scored batch a prediction id and queues it; the ids are returned even for rows that were shed.</summary>
    public string[] Record(string model, int version, DateTimeOffset at, IPredictionInputs inputs, ScoreResult result)
    {
        var ids = new string[result.Rows];
        for (var row = 0; row < ids.Length; row++)
        {
            ids[row] = PredictionId.New(at);
            TryEnqueue(new PredictionRecord(ids[row], at, model, version, inputs, result, row));
        }

        return ids;
    }

    /// <summary>No more rows will come; the writer drains what is buffered and stops.</summary>
    public void Complete()
    {
        _completed = true;
        _channel.Writer.TryComplete();

        // Wakes a writer waiting for its batch to fill, so the buffer is drained now rather than at the flush interval.
        Volatile.Read(ref _batchReady).TrySetResult();
    }
}
