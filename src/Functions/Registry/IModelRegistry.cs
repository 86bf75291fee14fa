using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Domain.Signatures;

namespace MLOps.Functions.Registry;

/// <summary>Registered models, their immutable versions, aliases, alias history and audit trail.</summary>
public interface IModelRegistry
{
    Task<ModelVersion> RegisterAsync(string model, ReadOnlyMemory<byte> artifact, ModelSignature signature, VersionMetadata metadata, Principal by, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a model before its first version (or updates its description and tags), so that datasets can be
    /// uploaded and validated for it and its first training has somewhere to land. Created is false for an update.
    /// </summary>
    Task<(RegisteredModel Model, bool Created)> DeclareAsync(string model, string? description, IReadOnlyDictionary<string, string>? tags, Principal by, CancellationToken cancellationToken);

    Task<IReadOnlyList<RegisteredModel>> ListModelsAsync(CancellationToken cancellationToken);

    Task<RegisteredModel> GetModelAsync(string model, CancellationToken cancellationToken);

    /// <summary>A 404 unless the model is registered; one point read.</summary>
    Task EnsureModelExistsAsync(string model, CancellationToken cancellationToken);

    Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken cancellationToken);

    Task<ModelVersion> GetVersionAsync(string model, int version, CancellationToken cancellationToken);

    Task<IReadOnlyList<AliasAssignment>> ListAliasesAsync(string model, CancellationToken cancellationToken);

    Task<AliasAssignment?> FindAliasAsync(string model, string alias, CancellationToken cancellationToken);

    /// <summary>Points an alias at a version; <paramref name="prepare"/> runs (once) after checks and before the commit.</summary>
    Task<AliasAssignment> MoveAliasAsync(AliasMoveCommand command, Func<ModelVersion, CancellationToken, Task> prepare, CancellationToken cancellationToken);

    Task RemoveAliasAsync(string model, string alias, string? reason, string? ifMatch, Principal by, CancellationToken cancellationToken);

    Task<IReadOnlyList<AliasMove>> GetAliasHistoryAsync(string model, string alias, CancellationToken cancellationToken);

    Task<ModelVersion> ArchiveAsync(string model, int version, string? reason, Principal by, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditEntry>> GetAuditAsync(string model, int max, CancellationToken cancellationToken);

    /// <summary>Adds an entry to the model's audit trail, for changes made outside the registry (policies, validations, drift, retraining).</summary>
    Task AppendAuditAsync(string model, string action, Principal by, int? version, string? detail, CancellationToken cancellationToken);

    /// <summary>
    /// Adds an audit entry once per <paramref name="key"/> (say, an upload's name and ETag): a retry of the same work with
    /// the same key overwrites the entry the first attempt wrote, in its place in the trail, instead of adding another.
    /// </summary>
    Task AppendAuditOnceAsync(string model, string key, string action, Principal by, int? version, string? detail, CancellationToken cancellationToken);

    /// <summary>The artifact's bytes, after checking they still hash to the registered SHA-256.</summary>
    Task<byte[]> ReadArtifactAsync(ModelVersion version, CancellationToken cancellationToken);
}
