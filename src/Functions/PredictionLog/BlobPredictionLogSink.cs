using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Options;
using MLOps.Functions.Configuration;
using MLOps.Functions.Storage;

namespace MLOps.Functions.PredictionLog;

/// <summary>Appends prediction log lines to append blobs: <c>predictions/{model}/v{version}/{yyyy}/{MM}/{dd}/{HH}/{instance}-{n}.jsonl.gz</c>.</summary>
/// <remarks>
/// One writer per blob (the instance id is in the name) keeps appends free of contention; an hourly
/// layout lets drift checks read a time window by listing a prefix. A blob that reaches the
/// append-block limit rolls over to the next number. Each append is one gzip member of whole lines
/// (<see cref="PredictionLogFormat"/>), or plain lines in a <c>.jsonl</c> blob when compression is off.
/// </remarks>
public sealed class BlobPredictionLogSink : IPredictionLogSink
{
    // Azurite and older service versions cap an append block at 4 MiB.
    internal const int MaxAppendBytes = 4 * 1024 * 1024;

    // Lines compressed into one append: deflate grows incompressible input by a few bytes per 64 KiB block at most,
    // so a member made of this much always fits one append block.
    internal const int MaxCompressedChunkBytes = MaxAppendBytes - (64 * 1024);

    private readonly StorageClients _clients;
    private readonly StorageNames _names;
    private readonly bool _compress;
    private readonly int _maxChunk;
    private readonly string _extension;
    private readonly BlobHttpHeaders _headers;
    private readonly string _instance = (Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID") is { Length: > 0 } id ? id[..Math.Min(12, id.Length)] : Environment.MachineName.ToLowerInvariant()) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private readonly ConcurrentDictionary<PredictionLogSegment, int> _rollover = new();
    private readonly ConcurrentDictionary<string, bool> _created = new(StringComparer.Ordinal);

    // The writer appends one batch at a time; the gate keeps a second caller from sharing the compression buffer.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly MemoryStream _compressed = new();

    public BlobPredictionLogSink(StorageClients clients, StorageNames names, IOptions<PredictionLogOptions> options)
    {
        _clients = clients;
        _names = names;
        _compress = options.Value.Compression == PredictionLogCompression.Gzip;
        _maxChunk = _compress ? MaxCompressedChunkBytes : MaxAppendBytes;
        _extension = _compress ? PredictionLogFormat.GzipExtension : PredictionLogFormat.PlainExtension;
        _headers = new BlobHttpHeaders { ContentType = _compress ? "application/gzip" : "application/x-ndjson" };
    }

    public async Task AppendAsync(PredictionLogSegment segment, ReadOnlyMemory<byte> jsonLines, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var offset = 0;
            while (offset < jsonLines.Length)
            {
                var length = ChunkLength(jsonLines.Span[offset..], _maxChunk);
                await AppendChunkAsync(segment, jsonLines.Slice(offset, length), cancellationToken).ConfigureAwait(false);
                offset += length;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public static string Prefix(string model, int version, DateTimeOffset hour) =>
        string.Create(CultureInfo.InvariantCulture, $"{model}/v{version}/{hour.UtcDateTime:yyyy/MM/dd/HH}/");

    private async Task AppendChunkAsync(PredictionLogSegment segment, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        var content = _compress ? Compress(chunk) : chunk;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var number = _rollover.GetOrAdd(segment, 0);
            var path = Prefix(segment.Model, segment.Version, segment.Hour) + string.Create(CultureInfo.InvariantCulture, $"{_instance}-{number:D4}{_extension}");
            var blob = _clients.Blobs.GetBlobContainerClient(_names.PredictionsContainer).GetAppendBlobClient(path);
            if (!_created.ContainsKey(path))
            {
                await blob.CreateIfNotExistsAsync(new AppendBlobCreateOptions { HttpHeaders = _headers }, cancellationToken).ConfigureAwait(false);
                _created[path] = true;
            }

            try
            {
                using var stream = BinaryData.FromBytes(content).ToStream();
                await blob.AppendBlockAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == "BlockCountExceedsLimit")
            {
                _rollover[segment] = number + 1;
            }
        }
    }

    /// <summary>One gzip member holding the chunk, in the sink's reused buffer (valid until the next call).</summary>
    private ReadOnlyMemory<byte> Compress(ReadOnlyMemory<byte> chunk)
    {
        _compressed.SetLength(0);
        using (var gzip = new GZipStream(_compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(chunk.Span);
        }

        return _compressed.GetBuffer().AsMemory(0, (int)_compressed.Length);
    }

    /// <summary>The longest run of whole lines up to <paramref name="max"/> bytes (a single longer line is cut).</summary>
    private static int ChunkLength(ReadOnlySpan<byte> rest, int max)
    {
        if (rest.Length <= max)
        {
            return rest.Length;
        }

        var cut = rest[..max].LastIndexOf((byte)'\n');
        return cut < 0 ? max : cut + 1;
    }
}
