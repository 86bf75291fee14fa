using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Domain.Validation;
using MLOps.Functions.Registry;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Validation;

/// <summary>A model's stored expectations and the ETag to change them with.</summary>
public sealed record StoredExpectations(ModelExpectations Expectations, string? ETag);

/// <summary>Each model's dataset expectations (the user's rules and settings).</summary>
public interface IExpectationStore
{
    /// <summary>The stored expectations, or the defaults (and a null ETag) when none were set.</summary>
    Task<StoredExpectations> GetAsync(string model, CancellationToken cancellationToken);

    /// <summary>Replaces them; <paramref name="ifMatch"/> (an ETag, or "*") guards against lost updates with 412.</summary>
    Task<StoredExpectations> PutAsync(string model, ModelExpectations expectations, string? ifMatch, Principal by, CancellationToken cancellationToken);
}

/// <summary><see cref="IExpectationStore"/> as one JSON blob per model in the reference container.</summary>
/// <remarks>A blob rather than a table row: category lists can outgrow a table entity's 64 KB.</remarks>
public sealed class BlobExpectationStore(StorageClients clients, StorageNames names, IModelRegistry registry) : IExpectationStore
{
    private BlobContainerClient Container => clients.Blobs.GetBlobContainerClient(names.ReferenceContainer);

    public async Task<StoredExpectations> GetAsync(string model, CancellationToken cancellationToken)
    {
        try
        {
            var content = await Container.GetBlobClient(PathOf(model)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            var expectations = content.Value.Content.ToObjectFromJson<ModelExpectations>(JsonDefaults.Options)
                ?? throw new MLOpsException(ProblemKind.Integrity, "Stored expectations are damaged.", $"The expectations of model '{model}' do not parse.");
            return new StoredExpectations(expectations, content.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return new StoredExpectations(ModelExpectations.Default, null);
        }
    }

    public async Task<StoredExpectations> PutAsync(string model, ModelExpectations expectations, string? ifMatch, Principal by, CancellationToken cancellationToken)
    {
        await registry.EnsureModelExistsAsync(model, cancellationToken).ConfigureAwait(false);
        var conditions = ifMatch switch
        {
            null => null,
            "*" => new BlobRequestConditions { IfMatch = ETag.All },
            _ => new BlobRequestConditions { IfMatch = new ETag(ifMatch) },
        };
        try
        {
            var data = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(expectations, JsonDefaults.Options));
            var response = await Container.GetBlobClient(PathOf(model)).UploadAsync(
                data,
                new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                cancellationToken).ConfigureAwait(false);
            await registry.AppendAuditAsync(model, "expectations.changed", by, null, $"{expectations.Rules.Count} rules, derive {expectations.DeriveFromModel}", cancellationToken).ConfigureAwait(false);
            return new StoredExpectations(expectations, response.Value.ETag.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404 && ifMatch is not null)
        {
            throw new MLOpsException(ProblemKind.PreconditionFailed, "Precondition failed.", $"The expectations of model '{model}' changed since ETag {ifMatch}; read them again.");
        }
    }

    private static string PathOf(string model) => $"{model}/expectations.json";
}
