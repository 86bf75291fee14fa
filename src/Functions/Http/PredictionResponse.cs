using System.Text.Json;
using MLOps.Functions.Scoring;

namespace MLOps.Functions.Http;

/// <summary>The answer to a records prediction (<see cref="BufferedJsonAnswer"/>).</summary>
public sealed class PredictionResponse(string model, int version, string? alias, string[] predictionIds, ScoreResult result, Action? afterAnswer = null)
    : BufferedJsonAnswer(afterAnswer)
{
    private static readonly JsonEncodedText AliasName = JsonEncodedText.Encode("alias");
    private static readonly JsonEncodedText PredictionsName = JsonEncodedText.Encode("predictions");

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString(PredictionJson.ModelProperty, model);
        writer.WriteNumber(PredictionJson.VersionProperty, version);
        if (alias is not null)
        {
            writer.WriteString(AliasName, alias);
        }

        writer.WriteStartArray(PredictionsName);
        for (var row = 0; row < result.Rows; row++)
        {
            writer.WriteStartObject();
            writer.WriteString(PredictionJson.PredictionIdProperty, predictionIds[row]);
            PredictionJson.WriteOutputs(writer, result, row);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
