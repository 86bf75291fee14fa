using System.Text;
using Azure.Storage.Blobs;
using MLOps.Functions.PredictionLog;

namespace MLOps.Functions.Tests.Infrastructure;

/// <summary>Reads prediction log blobs as the drift check does: plain or gzip by name.</summary>
internal static class PredictionLogBlobs
{
    public static async Task<string> ReadTextAsync(BlobContainerClient container, string name)
    {
        var stored = (await container.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToStream();
        await using var lines = PredictionLogFormat.OpenLines(name, stored);
        using var reader = new StreamReader(lines, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
