namespace MLOps.Functions.PredictionLog;

/// <summary>Where batches of prediction log lines are appended.</summary>
public interface IPredictionLogSink
{
    /// <summary>Appends JSON lines for one model version and hour as one storage write (or a few, for large batches).</summary>
    Task AppendAsync(PredictionLogSegment segment, ReadOnlyMemory<byte> jsonLines, CancellationToken cancellationToken);
}

/// <summary>The part of the log a batch goes to: one model version in one UTC hour.</summary>
public sealed record PredictionLogSegment(string Model, int Version, DateTimeOffset Hour);
