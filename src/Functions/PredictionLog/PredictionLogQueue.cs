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

    public PredictionLogQueue(IOptions<PredictionLogOptions> options, MLOpsMetrics metrics)
    {
        _metrics = metrics;
        _enabled = options.Value.Enabled;
        _channel = Channel.CreateBounded<PredictionRecord>(new BoundedChannelOptions(options.Value.Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
    }

    internal ChannelReader<PredictionRecord> Reader => _channel.Reader;

    /// <summary>Queues a row; false when it was shed (buffer full, logging off, or shutting down).</summary>
    public bool TryEnqueue(PredictionRecord record)
    {
        // With FullMode.Wait, TryWrite returns false instead of dropping silently, so every shed row is counted.
        if (_enabled && _channel.Writer.TryWrite(record))
        {
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
    public void Complete() => _channel.Writer.TryComplete();
}
