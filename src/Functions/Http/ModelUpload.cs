using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using MLOps.Domain.Problems;

namespace MLOps.Functions.Http;

/// <summary>The parts of a model registration: the ONNX file and its metadata JSON, read with limits.</summary>
public sealed record ModelUpload(byte[] Model, byte[]? Metadata)
{
    public const string ModelPart = "model";
    public const string MetadataPart = "metadata";

    /// <summary>Reads multipart/form-data streaming, part by part, so an oversized file is refused as soon as it passes the limit.</summary>
    public static async Task<ModelUpload> ReadAsync(HttpRequest request, long maxModelBytes, int maxMetadataBytes, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new MLOpsException(ProblemKind.UnsupportedMediaType, "Unsupported media type.",
                "Register a version as multipart/form-data with a part 'model' (the ONNX file) and a part 'metadata' (JSON).");
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary) || boundary.Length > 200)
        {
            throw MLOpsException.Validation("The multipart/form-data content type has no valid boundary.");
        }

        if (request.ContentLength > maxModelBytes + maxMetadataBytes + (64 * 1024))
        {
            throw MLOpsException.TooLarge($"The upload is {request.ContentLength} bytes; at most {maxModelBytes + maxMetadataBytes + (64 * 1024)} are accepted (a model of up to {maxModelBytes} bytes, its metadata and multipart framing).");
        }

        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024, HeadersCountLimit = 16 };
        byte[]? model = null;
        byte[]? metadata = null;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    throw MLOpsException.Validation("Every part needs a 'Content-Disposition: form-data; name=...' header.");
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                switch (name)
                {
                    case ModelPart when model is null:
                        model = await ReadPartAsync(section.Body, maxModelBytes, ModelPart, cancellationToken).ConfigureAwait(false);
                        break;
                    case MetadataPart when metadata is null:
                        metadata = await ReadPartAsync(section.Body, maxMetadataBytes, MetadataPart, cancellationToken).ConfigureAwait(false);
                        break;
                    case ModelPart or MetadataPart:
                        throw MLOpsException.Validation($"The part '{name}' appears more than once.", [new(name, null, "Duplicate part.")]);
                    default:
                        throw MLOpsException.Validation($"Unknown part '{ProblemText.Clip(name)}'; expected 'model' and 'metadata'.", [new(name, null, "Unknown part.")]);
                }
            }
        }
        catch (InvalidDataException ex)
        {
            // MultipartReader's words for a malformed body (missing boundary, header limits).
            throw MLOpsException.Validation($"The multipart body is malformed: {ex.Message}");
        }
        catch (IOException ex) when (ex is not EndOfStreamException)
        {
            throw MLOpsException.Validation($"The multipart body is malformed or truncated: {ex.Message}");
        }

        if (model is null)
        {
            throw MLOpsException.Validation("The part 'model' (the ONNX file) is missing.", [new(ModelPart, null, "Missing part.")]);
        }

        return new ModelUpload(model, metadata);
    }

    private static async Task<byte[]> ReadPartAsync(Stream body, long maxBytes, string part, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            var read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + read > maxBytes)
            {
                throw MLOpsException.TooLarge($"The part '{part}' is larger than {maxBytes} bytes, the most accepted.");
            }

            buffer.Write(chunk, 0, read);
        }
    }
}
