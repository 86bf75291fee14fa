using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Domain.Signatures;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Registry;

/// <summary>The model registry on Table storage (index, aliases, moves, audit) and Blob storage (artifacts).</summary>
/// <remarks>
/// Everything about one model lives in one table partition, so each change (a new version, an alias
/// move, an archive) is a single entity-group transaction together with its alias-move record and
/// audit entry: a change and its record are written together or not at all. Concurrency is
/// optimistic, on ETags; losers re-read and retry, or get 409/412 when the caller pinned an ETag.
/// Artifacts are content-addressed by SHA-256, so an upload that loses a race leaves nothing wrong behind.
/// </remarks>
public sealed class ModelRegistry(StorageClients clients, StorageNames names, TimeProvider time) : IModelRegistry
{
    private const int MaxAttempts = 8;
    private const string ModelRow = "model";
    private const string VersionPrefix = "version|";
    private const string AliasPrefix = "alias|";
    private const string MovePrefix = "move|";
    private const string AuditPrefix = "audit|";

    // "auditkey|" sorts before "audit|" ('k' < '|'), so these rows never show in the trail's range.
    private const string AuditKeyPrefix = "auditkey|";

    private TableClient Table => clients.Tables.GetTableClient(names.RegistryTable);

    private BlobContainerClient Models => clients.Blobs.GetBlobContainerClient(names.ModelsContainer);

    public async Task<ModelVersion> RegisterAsync(
        string model, ReadOnlyMemory<byte> artifact, ModelSignature signature, VersionMetadata metadata, Principal by, CancellationToken cancellationToken)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(artifact.Span));
        var path = $"{model}/sha256/{sha}.onnx";
        await UploadArtifactAsync(path, artifact, sha, cancellationToken).ConfigureAwait(false);

        for (var attempt = 1; ; attempt++)
        {
            var existing = await Table.GetEntityIfExistsAsync<TableEntity>(model, ModelRow, cancellationToken: cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var number = existing.HasValue ? existing.Value!.GetInt32("LatestVersion")!.Value + 1 : 1;
            var version = new ModelVersion
            {
                Model = model,
                Version = number,
                Status = ModelVersionStatus.Active,
                Sha256 = sha,
                SizeBytes = artifact.Length,
                ArtifactPath = path,
                CreatedAt = now,
                CreatedBy = by.Name,
                Signature = signature,
                Metadata = metadata,
            };

            var modelEntity = new TableEntity(model, ModelRow)
            {
                ["LatestVersion"] = number,
                ["CreatedAt"] = existing.HasValue ? existing.Value!.GetDateTimeOffset("CreatedAt") : now,
            };
            var actions = new List<TableTransactionAction>
            {
                // Merge, not replace: a declared model's description and tags stay.
                existing.HasValue
                    ? new(TableTransactionActionType.UpdateMerge, modelEntity, existing.Value!.ETag)
                    : new(TableTransactionActionType.Add, modelEntity),
                new(TableTransactionActionType.Add, ToEntity(version)),
                new(TableTransactionActionType.Add, Audit(model, AuditActions.VersionRegistered, by, now, number, null, $"sha256 {sha}, {artifact.Length} bytes")),
            };

            if (await TrySubmitAsync(actions, cancellationToken).ConfigureAwait(false) is not null)
            {
                return version;
            }

            if (attempt >= MaxAttempts)
            {
                throw MLOpsException.Conflict($"Could not number a new version of '{model}': too many concurrent registrations. Try again.");
            }

            await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<(RegisteredModel Model, bool Created)> DeclareAsync(
        string model, string? description, IReadOnlyDictionary<string, string>? tags, Principal by, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await Table.GetEntityIfExistsAsync<TableEntity>(model, ModelRow, cancellationToken: cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var entity = new TableEntity(model, ModelRow)
            {
                ["Description"] = description,
                ["Tags"] = tags is null ? null : JsonSerializer.Serialize(tags, JsonDefaults.Options),
            };
            TableTransactionAction write;
            string action;
            if (existing.HasValue)
            {
                write = new(TableTransactionActionType.UpdateMerge, entity, existing.Value!.ETag);
                action = AuditActions.ModelUpdated;
            }
            else
            {
                entity["LatestVersion"] = 0;
                entity["CreatedAt"] = now;
                write = new(TableTransactionActionType.Add, entity);
                action = AuditActions.ModelDeclared;
            }

            var detail = $"description {(description is null ? "cleared" : $"{description.Length} characters")}, {tags?.Count ?? 0} tags";
            if (await TrySubmitAsync([write, new(TableTransactionActionType.Add, Audit(model, action, by, now, null, null, detail))], cancellationToken).ConfigureAwait(false) is not null)
            {
                return (await GetModelAsync(model, cancellationToken).ConfigureAwait(false), !existing.HasValue);
            }

            if (attempt >= MaxAttempts)
            {
                throw MLOpsException.Conflict($"Could not update model '{model}': too many concurrent changes. Try again.");
            }

            await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<RegisteredModel>> ListModelsAsync(CancellationToken cancellationToken)
    {
        var filter = $"RowKey eq '{ModelRow}' or (RowKey ge '{AliasPrefix}' and RowKey lt 'alias}}')";
        var models = new Dictionary<string, (TableEntity Model, Dictionary<string, int> Aliases)>(StringComparer.Ordinal);
        var aliases = new List<TableEntity>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entity.RowKey == ModelRow)
            {
                models[entity.PartitionKey] = (entity, new Dictionary<string, int>(StringComparer.Ordinal));
            }
            else
            {
                aliases.Add(entity);
            }
        }

        foreach (var alias in aliases)
        {
            if (models.TryGetValue(alias.PartitionKey, out var m))
            {
                m.Aliases[alias.RowKey[AliasPrefix.Length..]] = alias.GetInt32("Version")!.Value;
            }
        }

        return models.Values
            .Select(m => ToModel(m.Model, m.Aliases))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<RegisteredModel> GetModelAsync(string model, CancellationToken cancellationToken)
    {
        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(model, ModelRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!entity.HasValue)
        {
            throw MLOpsException.NotFound($"Model '{model}' is not registered.");
        }

        var aliases = await ListAliasesAsync(model, cancellationToken).ConfigureAwait(false);
        return ToModel(entity.Value!, aliases.ToDictionary(a => a.Alias, a => a.Version, StringComparer.Ordinal));
    }

    public async Task EnsureModelExistsAsync(string model, CancellationToken cancellationToken)
    {
        if (!await ModelExistsAsync(model, cancellationToken).ConfigureAwait(false))
        {
            throw MLOpsException.NotFound($"Model '{model}' is not registered.");
        }
    }

    public async Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken cancellationToken)
    {
        await EnsureModelExistsAsync(model, cancellationToken).ConfigureAwait(false);
        var versions = new List<ModelVersion>();
        await foreach (var entity in QueryPrefixAsync(model, VersionPrefix, cancellationToken).ConfigureAwait(false))
        {
            versions.Add(ToVersion(entity));
        }

        return versions;
    }

    public async Task<ModelVersion> GetVersionAsync(string model, int version, CancellationToken cancellationToken) =>
        ToVersion(await GetVersionEntityAsync(model, version, cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyList<AliasAssignment>> ListAliasesAsync(string model, CancellationToken cancellationToken)
    {
        var aliases = new List<AliasAssignment>();
        await foreach (var entity in QueryPrefixAsync(model, AliasPrefix, cancellationToken).ConfigureAwait(false))
        {
            aliases.Add(ToAlias(entity));
        }

        return aliases;
    }

    public async Task<AliasAssignment?> FindAliasAsync(string model, string alias, CancellationToken cancellationToken)
    {
        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(model, AliasPrefix + alias, cancellationToken: cancellationToken).ConfigureAwait(false);
        return entity.HasValue ? ToAlias(entity.Value!) : null;
    }

    public async Task<AliasAssignment> MoveAliasAsync(
        AliasMoveCommand command, Func<ModelVersion, CancellationToken, Task> prepare, CancellationToken cancellationToken)
    {
        var (model, alias) = (command.Model, command.Alias);
        var prepared = false;
        for (var attempt = 1; ; attempt++)
        {
            // Preconditions first: a stale request should not pay for loading the model.
            var current = await Table.GetEntityIfExistsAsync<TableEntity>(model, AliasPrefix + alias, cancellationToken: cancellationToken).ConfigureAwait(false);
            var currentETag = current.HasValue ? current.Value!.ETag.ToString() : null;
            if (command.IfMatch is { } expected
                && (currentETag is null || (expected.Trim() != "*" && !string.Equals(expected.Trim(), currentETag, StringComparison.Ordinal))))
            {
                throw PreconditionFailed(model, alias, current.HasValue ? ToAlias(current.Value!) : null);
            }

            if (command.ExpectedCurrentVersion is { } expectedVersion && (current.HasValue ? current.Value!.GetInt32("Version") : null) != expectedVersion)
            {
                var ex = MLOpsException.Conflict($"Alias '{alias}' of '{model}' no longer points to version {expectedVersion}.");
                ex.Extensions["currentVersion"] = current.HasValue ? current.Value!.GetInt32("Version") : null;
                throw ex;
            }

            var versionEntity = await GetVersionEntityAsync(model, command.Version, cancellationToken).ConfigureAwait(false);
            var target = ToVersion(versionEntity);
            RegistryRules.EnsureCanTakeAlias(target, alias);
            if (!prepared)
            {
                // Load the target before the alias points at it, so no request pays for the load.
                await prepare(target, cancellationToken).ConfigureAwait(false);
                prepared = true;
            }

            var now = time.GetUtcNow();
            int? from = current.HasValue ? current.Value!.GetInt32("Version") : null;
            var aliasEntity = new TableEntity(model, AliasPrefix + alias)
            {
                ["Version"] = command.Version,
                ["UpdatedAt"] = now,
                ["UpdatedBy"] = command.By.Name,
                ["Reason"] = command.Reason,
            };
            var actions = new List<TableTransactionAction>
            {
                current.HasValue
                    ? new(TableTransactionActionType.UpdateReplace, aliasEntity, current.Value!.ETag)
                    : new(TableTransactionActionType.Add, aliasEntity),

                // Touching the version with its ETag makes a concurrent archive of it lose, or this move lose.
                new(TableTransactionActionType.UpdateMerge, new TableEntity(model, versionEntity.RowKey) { ["LastAliasedAt"] = now }, versionEntity.ETag),
                new(TableTransactionActionType.Add, MoveEntity(new AliasMove(model, alias, from, command.Version, now, command.By.Name, command.Reason))),
                new(TableTransactionActionType.Add, Audit(model, AuditActions.AliasMoved, command.By, now, command.Version, alias, $"from {from?.ToString(CultureInfo.InvariantCulture) ?? "none"} to {command.Version}: {command.Reason}")),
            };

            if (await TrySubmitAsync(actions, cancellationToken).ConfigureAwait(false) is { } responses)
            {
                // The alias write is the first action; its response carries the new ETag, so no read-back is needed.
                aliasEntity.ETag = responses[0].Headers.ETag ?? default;
                return ToAlias(aliasEntity);
            }

            if (command.IfMatch is not null)
            {
                throw PreconditionFailed(model, alias, await FindAliasAsync(model, alias, cancellationToken).ConfigureAwait(false));
            }

            if (attempt >= MaxAttempts)
            {
                throw MLOpsException.Conflict($"Alias '{alias}' of '{model}' is being moved concurrently; try again.");
            }

            await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task RemoveAliasAsync(string model, string alias, string? reason, string? ifMatch, Principal by, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await Table.GetEntityIfExistsAsync<TableEntity>(model, AliasPrefix + alias, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!current.HasValue)
            {
                throw MLOpsException.NotFound($"Model '{model}' has no alias '{alias}'.");
            }

            if (ifMatch is { } expected && expected.Trim() != "*" && !string.Equals(expected.Trim(), current.Value!.ETag.ToString(), StringComparison.Ordinal))
            {
                throw PreconditionFailed(model, alias, ToAlias(current.Value!));
            }

            var now = time.GetUtcNow();
            var from = current.Value!.GetInt32("Version");
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.Delete, current.Value, current.Value.ETag),
                new(TableTransactionActionType.Add, MoveEntity(new AliasMove(model, alias, from, null, now, by.Name, reason))),
                new(TableTransactionActionType.Add, Audit(model, AuditActions.AliasRemoved, by, now, from, alias, reason)),
            };
            if (await TrySubmitAsync(actions, cancellationToken).ConfigureAwait(false) is not null)
            {
                return;
            }

            if (ifMatch is not null || attempt >= MaxAttempts)
            {
                throw MLOpsException.Conflict($"Alias '{alias}' of '{model}' changed while it was being removed; read it again.");
            }

            await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<AliasMove>> GetAliasHistoryAsync(string model, string alias, CancellationToken cancellationToken)
    {
        var moves = new List<AliasMove>();
        await foreach (var entity in QueryPrefixAsync(model, $"{MovePrefix}{alias}|", cancellationToken).ConfigureAwait(false))
        {
            moves.Add(new AliasMove(
                model,
                entity.GetString("Alias"),
                entity.GetInt32("FromVersion"),
                entity.GetInt32("ToVersion"),
                entity.GetDateTimeOffset("At")!.Value,
                entity.GetString("By"),
                entity.GetString("Reason")));
        }

        return moves;
    }

    public async Task<ModelVersion> ArchiveAsync(string model, int version, string? reason, Principal by, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var entity = await GetVersionEntityAsync(model, version, cancellationToken).ConfigureAwait(false);
            var current = ToVersion(entity);
            var aliases = await ListAliasesAsync(model, cancellationToken).ConfigureAwait(false);
            RegistryRules.EnsureCanArchive(current, aliases.ToDictionary(a => a.Alias, a => a.Version, StringComparer.Ordinal));

            var now = time.GetUtcNow();
            var archived = current with { Status = ModelVersionStatus.Archived, ArchivedAt = now, ArchivedBy = by.Name, ArchiveReason = reason };
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpdateReplace, ToEntity(archived), entity.ETag),
                new(TableTransactionActionType.Add, Audit(model, AuditActions.VersionArchived, by, now, version, null, reason)),
            };
            if (await TrySubmitAsync(actions, cancellationToken).ConfigureAwait(false) is not null)
            {
                return archived;
            }

            if (attempt >= MaxAttempts)
            {
                throw MLOpsException.Conflict($"Version {version} of '{model}' is changing concurrently; try again.");
            }

            await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> GetAuditAsync(string model, int max, CancellationToken cancellationToken)
    {
        var entries = new List<AuditEntry>();
        await foreach (var e in QueryPrefixAsync(model, AuditPrefix, cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new AuditEntry(model, e.GetString("Action"), e.GetString("Actor"), e.GetDateTimeOffset("At")!.Value, e.GetInt32("Version"), e.GetString("Alias"), e.GetString("Detail")));
            if (entries.Count >= max)
            {
                break;
            }
        }

        return entries;
    }

    public async Task AppendAuditAsync(string model, string action, Principal by, int? version, string? detail, CancellationToken cancellationToken) =>
        await Table.AddEntityAsync(Audit(model, action, by, time.GetUtcNow(), version, null, detail), cancellationToken).ConfigureAwait(false);

    public async Task AppendAuditOnceAsync(string model, string key, string action, Principal by, int? version, string? detail, CancellationToken cancellationToken)
    {
        // A key row names the entry written for the key; it commits with the entry, so the two exist together or not at all.
        var keyRow = AuditKeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];
        for (var attempt = 1; ; attempt++)
        {
            var existing = await Table.GetEntityIfExistsAsync<TableEntity>(model, keyRow, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (existing.HasValue)
            {
                var entryRow = existing.Value!.GetString("Entry");
                var first = await Table.GetEntityIfExistsAsync<TableEntity>(model, entryRow, cancellationToken: cancellationToken).ConfigureAwait(false);
                var at = first.HasValue ? first.Value!.GetDateTimeOffset("At") ?? time.GetUtcNow() : time.GetUtcNow();
                var entry = Audit(model, action, by, at, version, null, detail);
                await Table.UpsertEntityAsync(new TableEntity(entry) { RowKey = entryRow }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return;
            }

            var added = Audit(model, action, by, time.GetUtcNow(), version, null, detail);
            TableTransactionAction[] actions =
            [
                new(TableTransactionActionType.Add, new TableEntity(model, keyRow) { ["Entry"] = added.RowKey, ["Key"] = key.Length <= 512 ? key : key[..512] }),
                new(TableTransactionActionType.Add, added),
            ];
            if (await TrySubmitAsync(actions, cancellationToken).ConfigureAwait(false) is not null || attempt >= MaxAttempts)
            {
                return;
            }

            // Another attempt with the same key committed first: overwrite what it wrote.
        }
    }

    /// <summary>An audit entity, for stores that keep their rows in the registry partition and commit the entry with the change.</summary>
    internal static TableEntity AuditEntity(string model, string action, Principal by, DateTimeOffset at, int? version, string? detail) =>
        Audit(model, action, by, at, version, null, detail);

    public async Task<byte[]> ReadArtifactAsync(ModelVersion version, CancellationToken cancellationToken)
    {
        BlobDownloadResult content;
        try
        {
            content = (await Models.GetBlobClient(version.ArtifactPath).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new MLOpsException(ProblemKind.Integrity, "Model artifact missing.", $"The artifact of version {version.Version} of '{version.Model}' is missing from storage.", inner: ex);
        }

        var bytes = content.Content.ToArray();
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(sha, version.Sha256, StringComparison.Ordinal))
        {
            // A changed artifact is never served: the registry's hash is the contract.
            throw new MLOpsException(
                ProblemKind.Integrity,
                "Model artifact integrity check failed.",
                $"The artifact of version {version.Version} of '{version.Model}' has SHA-256 {sha}, but {version.Sha256} was registered. It will not be served.");
        }

        return bytes;
    }

    private async Task UploadArtifactAsync(string path, ReadOnlyMemory<byte> artifact, string sha, CancellationToken cancellationToken)
    {
        var blob = Models.GetBlobClient(path);
        try
        {
            await blob.UploadAsync(
                BinaryData.FromBytes(artifact),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
                    Metadata = new Dictionary<string, string> { ["sha256"] = sha },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // The same bytes are already stored under their hash; nothing to do.
        }
    }

    private async Task<TableEntity> GetVersionEntityAsync(string model, int version, CancellationToken cancellationToken)
    {
        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(model, VersionKey(version), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (entity.HasValue)
        {
            return entity.Value!;
        }

        throw MLOpsException.NotFound(await ModelExistsAsync(model, cancellationToken).ConfigureAwait(false)
            ? $"Model '{model}' has no version {version}."
            : $"Model '{model}' is not registered.");
    }

    private async Task<bool> ModelExistsAsync(string model, CancellationToken cancellationToken) =>
        (await Table.GetEntityIfExistsAsync<TableEntity>(model, ModelRow, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false)).HasValue;

    private IAsyncEnumerable<TableEntity> QueryPrefixAsync(string model, string prefix, CancellationToken cancellationToken)
    {
        // '|' + 1 is '}', so [prefix, prefix with its last char bumped) is exactly the rows that start with prefix.
        var upper = prefix[..^1] + (char)(prefix[^1] + 1);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {model} and RowKey ge {prefix} and RowKey lt {upper}");
        return Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken);
    }

    /// <summary>The per-action responses, or null when an ETag or existence condition failed (someone else won).</summary>
    private async Task<IReadOnlyList<Response>?> TrySubmitAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            return (await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return null;
        }
    }

    private static Task BackoffAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken);

    private static MLOpsException PreconditionFailed(string model, string alias, AliasAssignment? current)
    {
        var ex = new MLOpsException(
            ProblemKind.PreconditionFailed,
            "Precondition failed.",
            current is null
                ? $"Alias '{alias}' of '{model}' does not exist, so no If-Match can hold; send the move without If-Match to create it."
                : $"Alias '{alias}' of '{model}' has changed since the ETag in If-Match was read; read it again and retry.");
        ex.Extensions["currentVersion"] = current?.Version;
        ex.Extensions["currentETag"] = current?.ETag;
        return ex;
    }

    private static string VersionKey(int version) => VersionPrefix + version.ToString("D10", CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(ModelVersion v) => new(v.Model, VersionKey(v.Version))
    {
        ["Version"] = v.Version,
        ["Status"] = v.Status.ToString(),
        ["Sha256"] = v.Sha256,
        ["SizeBytes"] = v.SizeBytes,
        ["ArtifactPath"] = v.ArtifactPath,
        ["CreatedAt"] = v.CreatedAt,
        ["CreatedBy"] = v.CreatedBy,
        ["Signature"] = JsonSerializer.Serialize(v.Signature, JsonDefaults.Options),
        ["Metadata"] = JsonSerializer.Serialize(v.Metadata, JsonDefaults.Options),
        ["ArchivedAt"] = v.ArchivedAt,
        ["ArchivedBy"] = v.ArchivedBy,
        ["ArchiveReason"] = v.ArchiveReason,
    };

    private static ModelVersion ToVersion(TableEntity e) => new()
    {
        Model = e.PartitionKey,
        Version = e.GetInt32("Version")!.Value,
        Status = Enum.Parse<ModelVersionStatus>(e.GetString("Status")),
        Sha256 = e.GetString("Sha256"),
        SizeBytes = e.GetInt64("SizeBytes")!.Value,
        ArtifactPath = e.GetString("ArtifactPath"),
        CreatedAt = e.GetDateTimeOffset("CreatedAt")!.Value,
        CreatedBy = e.GetString("CreatedBy"),
        Signature = JsonSerializer.Deserialize<ModelSignature>(e.GetString("Signature"), JsonDefaults.Options)!,
        Metadata = JsonSerializer.Deserialize<VersionMetadata>(e.GetString("Metadata"), JsonDefaults.Options)!,
        ArchivedAt = e.GetDateTimeOffset("ArchivedAt"),
        ArchivedBy = e.GetString("ArchivedBy"),
        ArchiveReason = e.GetString("ArchiveReason"),
    };

    private static AliasAssignment ToAlias(TableEntity e) => new(
        e.PartitionKey,
        e.RowKey[AliasPrefix.Length..],
        e.GetInt32("Version")!.Value,
        e.GetDateTimeOffset("UpdatedAt")!.Value,
        e.GetString("UpdatedBy"),
        e.GetString("Reason"),
        e.ETag.ToString());

    private static RegisteredModel ToModel(TableEntity e, IReadOnlyDictionary<string, int> aliases) => new(
        e.PartitionKey,
        e.GetDateTimeOffset("CreatedAt")!.Value,
        e.GetInt32("LatestVersion")!.Value,
        aliases,
        e.GetString("Description"),
        e.GetString("Tags") is { Length: > 0 } tags ? JsonSerializer.Deserialize<Dictionary<string, string>>(tags, JsonDefaults.Options) : null);

    private static TableEntity MoveEntity(AliasMove move) =>
        new(move.Model, $"{MovePrefix}{move.Alias}|{move.At.UtcTicks:D19}|{Guid.NewGuid():N}")
        {
            ["Alias"] = move.Alias,
            ["FromVersion"] = move.FromVersion,
            ["ToVersion"] = move.ToVersion,
            ["At"] = move.At,
            ["By"] = move.By,
            ["Reason"] = move.Reason,
        };

    private static TableEntity Audit(string model, string action, Principal by, DateTimeOffset at, int? version, string? alias, string? detail) =>
        new(model, $"{AuditPrefix}{DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks:D19}|{Guid.NewGuid():N}")
        {
            ["Action"] = action,
            ["Actor"] = by.Name,
            ["At"] = at,
            ["Version"] = version,
            ["Alias"] = alias,
            ["Detail"] = detail,
        };
}
