using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using MLOps.Functions.Scoring;

namespace MLOps.Functions.Http;

/// <summary>The answer to a records prediction, written straight to the response stream.</summary>
/// <remarks>
/// Written by hand with Utf8JsonWriter: it is the hot path, and the shape is fixed, so the writer skips validation and
/// is reused per thread (only synchronously, never across an await). The answer is laid out in a per-thread buffer
/// first so that it goes out with a Content-Length and without an explicit flush: Kestrel then sends headers and body
/// in one write when the request completes. A chunked answer flushed by the handler took two writes (the data, then the
/// terminating chunk), so two wake-ups of the client, for every prediction.
/// <para>
/// Work the answer does not need (the prediction log line, metrics, returning the request's buffers) can be passed as
/// <c>afterAnswer</c>: the answer is then flushed first, so it is on its way to the client while that work runs, and
/// the work runs whether or not the answer could be sent (the rows were scored either way).
/// </para>
/// </remarks>
public sealed class PredictionResponse(string model, int version, string? alias, string[] predictionIds, ScoreResult result, Action? afterAnswer = null) : IResult
{
    private static readonly JsonEncodedText AliasName = JsonEncodedText.Encode("alias");
    private static readonly JsonEncodedText PredictionsName = JsonEncodedText.Encode("predictions");

    // Never written to: the per-thread writer points here between responses.
    private static readonly ArrayBufferWriter<byte> Detached = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        if (afterAnswer is null)
        {
            WriteAnswer(httpContext.Response);
            return Task.CompletedTask;
        }

        return AnswerThenAsync(httpContext.Response, afterAnswer);
    }

    private async Task AnswerThenAsync(HttpResponse response, Action after)
    {
        try
        {
            WriteAnswer(response);
            // A client that has gone away makes this a no-op rather than an exception.
            await response.BodyWriter.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            after();
        }
    }

    private void WriteAnswer(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(buffer);
        try
        {
            Write(writer);
            writer.Flush();
            response.ContentLength = buffer.WrittenCount;
            response.BodyWriter.Write(buffer.WrittenSpan);
        }
        finally
        {
            writer.Reset(Detached);
            if (buffer.Capacity > 1024 * 1024)
            {
                // A rare 1000-row answer should not pin a large buffer to the thread.
                t_buffer = null;
            }
        }

        // Committed to the pipe; Kestrel flushes it with the end of the response unless the caller flushes first.
    }

    internal void Write(Utf8JsonWriter writer)
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
