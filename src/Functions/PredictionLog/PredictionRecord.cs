using System.Text.Json;

namespace MLOps.Functions.PredictionLog;

/// <summary>The inputs of a scored batch, written row by row into the log.</summary>
public interface IPredictionInputs
{
    void WriteRow(Utf8JsonWriter writer, int row);
}

/// <summary>Record inputs: the request's own JSON for each row.</summary>
/// <remarks>
/// The rows are written into the log buffer while the request's document is still alive, so nothing is cloned; the
/// elements are listed once because indexing a JSON array of objects walks it from the start each time.
/// </remarks>
public sealed class JsonRecordInputs(JsonElement array) : IPredictionInputs
{
    private readonly JsonElement[] _rows = array.EnumerateArray().ToArray();

    public void WriteRow(Utf8JsonWriter writer, int row) => _rows[row].WriteTo(writer);
}
