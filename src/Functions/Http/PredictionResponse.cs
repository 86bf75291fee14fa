using System.Text.Json;
using Microsoft.AspNetCore.Http;
using MLOps.Functions.Scoring;

namespace MLOps.Functions.Http;

/// <summary>The answer to a records prediction, written straight to the response stream.</summary>
/// <remarks>Written by hand with Utf8JsonWriter: it is the hot path, and the shape is fixed.</remarks>
public sealed class PredictionResponse(string model, int version, string? alias, string[] predictionIds, ScoreResult result) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        Write(writer);
        await writer.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
    }

    internal void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("model", model);
        writer.WriteNumber("version", version);
        if (alias is not null)
        {
            writer.WriteString("alias", alias);
        }

        writer.WriteStartArray("predictions");
        for (var row = 0; row < result.Rows; row++)
        {
            writer.WriteStartObject();
            writer.WriteString("predictionId", predictionIds[row]);
            PredictionJson.WriteOutputs(writer, result, row);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
