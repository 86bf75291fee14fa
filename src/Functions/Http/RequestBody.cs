using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using MLOps.Domain.Problems;

namespace MLOps.Functions.Http;

/// <summary>Reads request bodies within a size limit, in both hosts, before anything parses them.</summary>
public static class RequestBody
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses the body as JSON; 413 above <paramref name="maxBytes"/>, 415 for a non-JSON content type, 400 for bad JSON.</summary>
    /// <remarks>
    /// The document reads its values from the pooled buffer the body was read into, for as long as it lives, so the
    /// buffer goes back to the pool only when the returned <see cref="RequestJson"/> is disposed.
    /// </remarks>
    public static async ValueTask<RequestJson> ReadJsonAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        EnsureJsonContentType(request);
        var (buffer, length) = await ReadAsync(request, maxBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            if (length == 0)
            {
                throw MLOpsException.Validation("The request body is empty; send a JSON document.");
            }

            // Checked up front: the JSON reader only notices bad UTF-8 inside a string when it is decoded, far from here.
            if (!System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, length)))
            {
                throw MLOpsException.Validation("The request body is not valid UTF-8 text.");
            }

            return new RequestJson(JsonDocument.Parse(buffer.AsMemory(0, length), DocumentOptions), buffer);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Deserializes an optional JSON body; an empty body gives null.</summary>
    public static async Task<T?> ReadOptionalAsync<T>(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any()))
        {
            return null;
        }

        using var document = await ReadJsonAsync(request, maxBytes, cancellationToken).ConfigureAwait(false);
        return document.RootElement.Deserialize<T>(Storage.JsonDefaults.Options);
    }

    /// <summary>Deserializes a required JSON body.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        using var document = await ReadJsonAsync(request, maxBytes, cancellationToken).ConfigureAwait(false);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw MLOpsException.Validation("The request body must be a JSON object.");
        }

        return document.RootElement.Deserialize<T>(Storage.JsonDefaults.Options)
            ?? throw MLOpsException.Validation("The request body must be a JSON object.");
    }

    /// <summary>The body in a pooled buffer (return it to ArrayPool&lt;byte&gt;.Shared) and its length.</summary>
    public static async ValueTask<(byte[] Buffer, int Length)> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            throw MLOpsException.TooLarge($"The request body is {request.ContentLength} bytes; at most {maxBytes} are accepted.");
        }

        var initial = (int)Math.Min(request.ContentLength ?? 16 * 1024, maxBytes) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initial, 256));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
                if (length > maxBytes)
                {
                    throw MLOpsException.TooLarge($"The request body is larger than {maxBytes} bytes, the most accepted.");
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static void EnsureJsonContentType(HttpRequest request)
    {
        var type = request.ContentType;
        if (string.IsNullOrEmpty(type))
        {
            return; // curl without -H: be lenient, the body is still parsed strictly.
        }

        if (!type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            && !(type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.Contains("+json", StringComparison.OrdinalIgnoreCase)))
        {
            throw new MLOpsException(ProblemKind.UnsupportedMediaType, "Unsupported media type.", $"Send the body as application/json, not '{ProblemText.Clip(type, 100)}'.");
        }
    }
}

/// <summary>A parsed request body and the pooled buffer its document reads from; disposing returns both.</summary>
public sealed class RequestJson(JsonDocument document, byte[] buffer) : IDisposable
{
    private byte[]? _buffer = buffer;

    public JsonElement RootElement => document.RootElement;

    public void Dispose()
    {
        document.Dispose();
        if (Interlocked.Exchange(ref _buffer, null) is { } owned)
        {
            ArrayPool<byte>.Shared.Return(owned);
        }
    }
}
