using System.Globalization;
using System.Text;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Options;
using MLOps.Functions.Configuration;
using MLOps.Functions.PredictionLog;
using MLOps.Functions.Storage;
using MLOps.Functions.Tests.Infrastructure;

namespace MLOps.Functions.Tests.PredictionLog;

/// <summary>The log sink on Azurite: appends read back as the lines written, compressed or not, whatever their size.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class BlobPredictionLogSinkTests(LocalHostFixture host)
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AppendAsync_Gzip_AppendsReadBackAsOneFileOfAllLinesInOrder()
    {
        var segment = new PredictionLogSegment(Api.UniqueModel("sinkgz"), 1, Hour);
        var first = Lines(0, 200);
        var second = Lines(200, 300);
        var sink = Sink(PredictionLogCompression.Gzip);

        await sink.AppendAsync(segment, first, CancellationToken.None);
        await sink.AppendAsync(segment, second, CancellationToken.None);

        var blob = Assert.Single(await BlobsAsync(segment));
        Assert.EndsWith(PredictionLogFormat.GzipExtension, blob.Name, StringComparison.Ordinal);
        Assert.Equal("application/gzip", blob.Properties.ContentType);
        Assert.Equal(Encoding.UTF8.GetString(first) + Encoding.UTF8.GetString(second), await PredictionLogBlobs.ReadTextAsync(Container, blob.Name));

        // Two appends, two gzip members, and log lines shrink well below their size.
        Assert.Equal(2, (await Container.GetAppendBlobClient(blob.Name).GetPropertiesAsync()).Value.BlobCommittedBlockCount);
        Assert.True(blob.Properties.ContentLength < (first.Length + second.Length) / 3, $"{blob.Properties.ContentLength} bytes stored for {first.Length + second.Length} bytes of lines.");
    }

    [Fact]
    public async Task AppendAsync_CompressionOff_WritesPlainJsonLines()
    {
        var segment = new PredictionLogSegment(Api.UniqueModel("sinkplain"), 1, Hour);
        var lines = Lines(0, 50);

        await Sink(PredictionLogCompression.None).AppendAsync(segment, lines, CancellationToken.None);

        var blob = Assert.Single(await BlobsAsync(segment));
        Assert.EndsWith(PredictionLogFormat.PlainExtension, blob.Name, StringComparison.Ordinal);
        Assert.Equal(lines, (await Container.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Theory]
    [InlineData(PredictionLogCompression.Gzip)]
    [InlineData(PredictionLogCompression.None)]
    public async Task AppendAsync_BatchLargerThanOneAppendBlock_IsSplitAtLineEnds(PredictionLogCompression compression)
    {
        var segment = new PredictionLogSegment(Api.UniqueModel("sinkbig"), 1, Hour);

        // ~9 MiB of lines that hardly compress (random hex): more than two append blocks even when compressed.
        var random = new Random(7);
        var text = new StringBuilder();
        while (text.Length < 9 * 1024 * 1024)
        {
            text.Append("{\"predictionId\":\"").Append(Convert.ToHexString(RandomBytes(random, 14))).Append("\",\"inputs\":{\"blob\":\"")
                .Append(Convert.ToHexString(RandomBytes(random, 100 + random.Next(400)))).Append("\"}}\n");
        }

        var lines = Encoding.UTF8.GetBytes(text.ToString());

        await Sink(compression).AppendAsync(segment, lines, CancellationToken.None);

        var blob = Assert.Single(await BlobsAsync(segment));
        var blocks = (await Container.GetAppendBlobClient(blob.Name).GetPropertiesAsync()).Value.BlobCommittedBlockCount;
        Assert.True(blocks >= 3, $"{blocks} append blocks for {lines.Length} bytes.");
        var read = await PredictionLogBlobs.ReadTextAsync(Container, blob.Name);
        Assert.Equal(text.ToString(), read);
    }

    private Azure.Storage.Blobs.BlobContainerClient Container => host.Blobs.GetBlobContainerClient(host.Names.PredictionsContainer);

    private BlobPredictionLogSink Sink(PredictionLogCompression compression) =>
        new(host.Service<StorageClients>(), host.Names, Options.Create(new PredictionLogOptions { Compression = compression }));

    private async Task<List<BlobItem>> BlobsAsync(PredictionLogSegment segment)
    {
        var blobs = new List<BlobItem>();
        await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, BlobPredictionLogSink.Prefix(segment.Model, segment.Version, segment.Hour), CancellationToken.None))
        {
            blobs.Add(item);
        }

        return blobs;
    }

    private static byte[] Lines(int from, int to) =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(from, to - from).Select(i =>
            "{\"predictionId\":\"" + i.ToString("x28", CultureInfo.InvariantCulture) + "\",\"timestamp\":\"2026-11-30T09:00:00.000+00:00\",\"model\":\"m\",\"version\":1," +
            "\"inputs\":{\"age\":" + (i % 90).ToString(CultureInfo.InvariantCulture) + ",\"plan\":\"pro\"},\"outputs\":{\"label\":1,\"probabilities\":{\"0\":0.25,\"1\":0.75}}}\n")));

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
