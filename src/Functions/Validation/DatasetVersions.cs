using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using MLOps.Domain.Problems;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Validation;

/// <summary>A validated dataset file of a model, numbered per model, that training can reference by number or URI.</summary>
public sealed record DatasetVersion
{
    public required string Model { get; init; }

    public required int Version { get; init; }

    /// <summary>Where the file is: the blob URI in the datasets container.</summary>
    public required string Uri { get; init; }

    /// <summary>The blob name within the datasets container ({model}/...).</summary>
    public required string Path { get; init; }

    public required string Sha256 { get; init; }

    public required long Rows { get; init; }

    public required long Bytes { get; init; }

    public required string Format { get; init; }

    /// <summary>The columns as the file has them: name and declared kind.</summary>
    public required IReadOnlyList<DatasetColumnInfo> Schema { get; init; }

    /// <summary>The validation report that admitted it.</summary>
    public required string ReportId { get; init; }

    public required double QualityScore { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A column of a registered dataset.</summary>
public sealed record DatasetColumnInfo(string Name, string Type);

/// <summary>The validated datasets of each model.</summary>
public interface IDatasetVersions
{
    /// <summary>
    /// Registers a validated file as the model's next dataset version; a file with the same SHA-256 as an existing version
    /// returns that version instead (re-uploads and retried validations register nothing new).
    /// </summary>
    Task<DatasetVersion> RegisterAsync(DatasetVersion candidate, CancellationToken cancellationToken);

    /// <summary>The model's dataset versions, newest first.</summary>
    Task<IReadOnlyList<DatasetVersion>> ListAsync(string model, CancellationToken cancellationToken);

    /// <summary>One version; 404 when absent.</summary>
    Task<DatasetVersion> GetAsync(string model, int version, CancellationToken cancellationToken);
}

/// <summary><see cref="IDatasetVersions"/> on a table, one partition per model.</summary>
/// <remarks>
/// A counter row numbers versions; the version row and a row keyed by SHA-256 commit in one entity-group transaction with
/// the counter's ETag, so concurrent registrations get consecutive numbers and the same content is registered once.
/// </remarks>
public sealed class TableDatasetVersions(StorageClients clients, StorageNames names) : IDatasetVersions
{
    private const string CounterRow = "counter";
    private const string ShaPrefix = "sha|";
    private const string VersionPrefix = "v|";

    private TableClient Table => clients.Tables.GetTableClient(names.DatasetVersionsTable);

    public async Task<DatasetVersion> RegisterAsync(DatasetVersion candidate, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await Table.GetEntityIfExistsAsync<TableEntity>(candidate.Model, ShaPrefix + candidate.Sha256, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (existing.HasValue)
            {
                return await GetAsync(candidate.Model, existing.Value!.GetInt32("Version")!.Value, cancellationToken).ConfigureAwait(false);
            }

            var counter = await Table.GetEntityIfExistsAsync<TableEntity>(candidate.Model, CounterRow, cancellationToken: cancellationToken).ConfigureAwait(false);
            var number = (counter.HasValue ? counter.Value!.GetInt32("Latest") ?? 0 : 0) + 1;
            var version = candidate with { Version = number };
            var newCounter = new TableEntity(candidate.Model, CounterRow) { ["Latest"] = number };
            TableTransactionAction[] actions =
            [
                counter.HasValue ? new(TableTransactionActionType.UpdateReplace, newCounter, counter.Value!.ETag) : new(TableTransactionActionType.Add, newCounter),
                new(TableTransactionActionType.Add, ToEntity(version)),
                new(TableTransactionActionType.Add, new TableEntity(candidate.Model, ShaPrefix + candidate.Sha256) { ["Version"] = number }),
            ];
            try
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return version;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && attempt < 10)
            {
                // Another registration took the number or the content first; look again.
            }
        }
    }

    public async Task<IReadOnlyList<DatasetVersion>> ListAsync(string model, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {model} and RowKey ge {VersionPrefix} and RowKey lt {"v}"}");
        var list = new List<DatasetVersion>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            list.Add(FromEntity(entity));
        }

        return [.. list.OrderByDescending(v => v.Version)];
    }

    public async Task<DatasetVersion> GetAsync(string model, int version, CancellationToken cancellationToken)
    {
        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(model, Key(version), cancellationToken: cancellationToken).ConfigureAwait(false);
        return entity.HasValue
            ? FromEntity(entity.Value!)
            : throw MLOpsException.NotFound($"Model '{model}' has no dataset version {version}.");
    }

    private static string Key(int version) => VersionPrefix + version.ToString("D9", CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(DatasetVersion v) => new(v.Model, Key(v.Version))
    {
        ["Version"] = v.Version,
        ["Uri"] = v.Uri,
        ["Path"] = v.Path,
        ["Sha256"] = v.Sha256,
        ["Rows"] = v.Rows,
        ["Bytes"] = v.Bytes,
        ["Format"] = v.Format,
        ["Schema"] = JsonSerializer.Serialize(v.Schema, JsonDefaults.Options),
        ["ReportId"] = v.ReportId,
        ["QualityScore"] = v.QualityScore,
        ["CreatedAt"] = v.CreatedAt,
    };

    private static DatasetVersion FromEntity(TableEntity e) => new()
    {
        Model = e.PartitionKey,
        Version = e.GetInt32("Version")!.Value,
        Uri = e.GetString("Uri"),
        Path = e.GetString("Path"),
        Sha256 = e.GetString("Sha256"),
        Rows = e.GetInt64("Rows")!.Value,
        Bytes = e.GetInt64("Bytes")!.Value,
        Format = e.GetString("Format"),
        Schema = JsonSerializer.Deserialize<List<DatasetColumnInfo>>(e.GetString("Schema"), JsonDefaults.Options) ?? [],
        ReportId = e.GetString("ReportId"),
        QualityScore = e.GetDouble("QualityScore") ?? 0,
        CreatedAt = e.GetDateTimeOffset("CreatedAt")!.Value,
    };
}
