using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MLOps.Functions.Http;

/// <summary>A 200 JSON answer laid out in a per-thread buffer first, then sent with a Content-Length in one write.</summary>
/// <remarks>
/// The answers of the scoring routes are written by hand with Utf8JsonWriter: they are the hot path and their shape is
/// fixed, so the writer skips validation and is reused per thread (only synchronously, never across an await). Laid out
/// first, an answer goes out with a Content-Length: Kestrel sends headers and body in one write. A chunked answer
/// flushed by the handler took two writes (the data, then the terminating chunk), so two wake-ups of the client.
/// <para>
/// Work the answer does not need (the prediction log line, metrics, returning the request's buffers) can be passed as
/// <c>afterAnswer</c>: the answer is then flushed first, so it is on its way to the client while that work runs, and
/// the work runs whether or not the answer could be sent (the rows were scored either way).
/// </para>
/// </remarks>
public abstract class BufferedJsonAnswer(Action? afterAnswer) : IResult
{
    // Never written to: the per-thread writer points here between answers.
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

    /// <summary>Writes the whole answer (the writer does not validate its shape).</summary>
    internal abstract void Write(Utf8JsonWriter writer);

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
}
