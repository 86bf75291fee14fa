using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Registry;

/// <summary><see cref="IVersionDocuments"/> on Blob storage, in the models container next to the artifacts.</summary>
public sealed partial class BlobVersionDocuments(StorageClients clients, StorageNames names, IModelRegistry registry) : IVersionDocuments
{
    public const string AuditAction = "version.document_written";

    private BlobContainerClient Models => clients.Blobs.GetBlobContainerClient(names.ModelsContainer);

    public async Task PutAsync(string model, int version, string name, BinaryData content, string contentType, string writtenBy, CancellationToken cancellationToken)
    {
        EnsureName(name);
        // Throws 404 for an unknown model or version, so no document is ever orphaned.
        await registry.GetVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
        await Models.GetBlobClient(Path(model, version, name)).UploadAsync(
            content,
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } },
            cancellationToken).ConfigureAwait(false);
        await registry.AppendAuditAsync(model, AuditAction, new Principal(writtenBy, Role.Operator), version, $"{name}, {content.ToMemory().Length} bytes", cancellationToken).ConfigureAwait(false);
    }

    public async Task<VersionDocument?> GetAsync(string model, int version, string name, CancellationToken cancellationToken)
    {
        EnsureName(name);
        try
        {
            var result = (await Models.GetBlobClient(Path(model, version, name)).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value;
            return new VersionDocument(name, result.Content, result.Details.ContentType ?? "application/octet-stream", result.Details.LastModified);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(string model, int version, CancellationToken cancellationToken)
    {
        var prefix = Path(model, version, string.Empty);
        var result = new List<string>();
        await foreach (var blob in Models.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
        {
            result.Add(blob.Name[prefix.Length..]);
        }

        return result;
    }

    public Task PutJsonAsync<T>(string model, int version, string name, T value, string writtenBy, CancellationToken cancellationToken) =>
        PutAsync(model, version, name, BinaryData.FromObjectAsJson(value, JsonDefaults.Options), "application/json", writtenBy, cancellationToken);

    public async Task<T?> GetJsonAsync<T>(string model, int version, string name, CancellationToken cancellationToken)
        where T : class
    {
        var document = await GetAsync(model, version, name, cancellationToken).ConfigureAwait(false);
        if (document is null)
        {
            return null;
        }

        try
        {
            return document.Content.ToObjectFromJson<T>(JsonDefaults.Options);
        }
        catch (JsonException ex)
        {
            throw new MLOpsException(ProblemKind.Integrity, "Stored document is unreadable.", $"Document '{name}' of {model} v{version} does not parse: {ex.Message}", inner: ex);
        }
    }

    private static string Path(string model, int version, string name) => $"{model}/v{version}/{name}";

    private static void EnsureName(string name)
    {
        if (!DocumentName().IsMatch(name))
        {
            throw MLOpsException.Validation($"'{name}' is not a document name: use 1-64 lowercase letters, digits, '.', '-' or '_', starting with a letter or digit.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex DocumentName();
}
