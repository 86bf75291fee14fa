using System.Text.Json;
using Microsoft.AspNetCore.Http;
using MLOps.Functions.Scoring;

namespace MLOps.Functions.Http;

/// <summary>The answer to a records prediction, written straight to the response stream.</summary>
/// <remarks>
/// Written by hand with Utf8JsonWriter: it is the hot path, and the shape is fixed, so the writer skips validation and
/// is reused per thread. It is only used synchronously (write, then commit to the pipe); the await is on the pipe.
/// </remarks>
public sealed class PredictionResponse(string model, int version, string? alias, string[] predictionIds, ScoreResult result) : IResult
{
    // Never written to: the per-thread writer points here between responses.
    private static readonly System.Buffers.ArrayBufferWriter<byte> Detached = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        var writer = t_writer ??= new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(response.BodyWriter);
        try
        {
            Write(writer);
            writer.Flush();
        }
        finally
        {
            // Drops the reference to this response's pipe, so the per-thread writer never keeps a request alive.
            writer.Reset(Detached);
        }

        await response.BodyWriter.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
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
