using System.Text.Json;
using MLOps.Functions.Scoring;

namespace MLOps.Functions.PredictionLog;

/// <summary>One scored row waiting to be logged. It refers to the batch's inputs and result, so queueing it copies nothing.</summary>
public sealed record PredictionRecord(
    string PredictionId,
    DateTimeOffset At,
    string Model,
    int Version,
    IPredictionInputs Inputs,
    ScoreResult Result,
    int Row);

/// <summary>The inputs of a scored batch, written row by row off the request path.</summary>
public interface IPredictionInputs
{
    void WriteRow(Utf8JsonWriter writer, int row);
}

/// <summary>Record inputs: the request's own JSON for each row, kept as a detached copy of the array.</summary>
public sealed class JsonRecordInputs(JsonElement detachedArray) : IPredictionInputs
{
    private readonly JsonElement[] _rows = detachedArray.EnumerateArray().ToArray();

    public void WriteRow(Utf8JsonWriter writer, int row) => _rows[row].WriteTo(writer);
}
