using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Storage.Blobs.Specialized;
using MLOps.Functions.Storage;

namespace MLOps.Functions.PredictionLog;

/// <summary>Appends prediction log lines to append blobs: <c>predictions/{model}/v{version}/{yyyy}/{MM}/{dd}/{HH}/{instance}-{n}.jsonl</c>.</summary>
/// <remarks>
/// One writer per blob (the instance id is in the name) keeps appends free of contention; an hourly
/// layout lets drift checks read a time window by listing a prefix. A blob that reaches the
/// append-block limit rolls over to the next number.
/// </remarks>
public sealed class BlobPredictionLogSink(StorageClients clients, StorageNames names) : IPredictionLogSink
{
    // Azurite and older service versions cap an append block at 4 MiB.
    internal const int MaxAppendBytes = 4 * 1024 * 1024;

    private readonly string _instance = (Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID") is { Length: > 0 } id ? id[..Math.Min(12, id.Length)] : Environment.MachineName.ToLowerInvariant()) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private readonly ConcurrentDictionary<PredictionLogSegment, int> _rollover = new();
    private readonly ConcurrentDictionary<string, bool> _created = new(StringComparer.Ordinal);

    public async Task AppendAsync(PredictionLogSegment segment, ReadOnlyMemory<byte> jsonLines, CancellationToken cancellationToken)
    {
        var offset = 0;
        while (offset < jsonLines.Length)
        {
            var length = ChunkLength(jsonLines.Span[offset..]);
            await AppendChunkAsync(segment, jsonLines.Slice(offset, length), cancellationToken).ConfigureAwait(false);
            offset += length;
        }
    }

    public static string Prefix(string model, int version, DateTimeOffset hour) =>
        string.Create(CultureInfo.InvariantCulture, $"{model}/v{version}/{hour.UtcDateTime:yyyy/MM/dd/HH}/");

    private async Task AppendChunkAsync(PredictionLogSegment segment, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var number = _rollover.GetOrAdd(segment, 0);
            var path = Prefix(segment.Model, segment.Version, segment.Hour) + string.Create(CultureInfo.InvariantCulture, $"{_instance}-{number:D4}.jsonl");
            var blob = clients.Blobs.GetBlobContainerClient(names.PredictionsContainer).GetAppendBlobClient(path);
            if (!_created.ContainsKey(path))
            {
                await blob.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                _created[path] = true;
            }

            try
            {
                using var stream = BinaryData.FromBytes(chunk).ToStream();
                await blob.AppendBlockAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == "BlockCountExceedsLimit")
            {
                _rollover[segment] = number + 1;
            }
        }
    }

    /// <summary>The longest run of whole lines that fits one append block.</summary>
    private static int ChunkLength(ReadOnlySpan<byte> rest)
    {
        if (rest.Length <= MaxAppendBytes)
        {
            return rest.Length;
        }

        var cut = rest[..MaxAppendBytes].LastIndexOf((byte)'\n');
        return cut < 0 ? MaxAppendBytes : cut + 1;
    }
}
