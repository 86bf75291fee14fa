using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using MLOps.Domain.Problems;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Training;

/// <summary>Training jobs: their state in the model's registry partition, their inputs and outputs as blobs.</summary>
/// <remarks>
/// The state row (<c>trainjob|{id}</c>) is small and changes often (progress); every change is an ETag-guarded replace,
/// so two deliveries of the same queue message cannot overwrite each other's progress unnoticed. What a job was asked to
/// do (the recipe can be large) and what it produced (candidate ONNX, reports, profile) live under
/// <c>reports/training/{model}/{jobId}/</c>, where the activities of a later orchestration can read them too.
/// </remarks>
public sealed class TrainingJobStore(StorageClients clients, StorageNames names, TimeProvider time)
{
    public const int MaxMessages = 40;
    private const string RowPrefix = "trainjob|";

    private TableClient Table => clients.Tables.GetTableClient(names.RegistryTable);

    private BlobContainerClient Reports => clients.Blobs.GetBlobContainerClient(names.ReportsContainer);

    /// <summary>A new job id: sortable by submission time, unguessable enough to be used in a URL.</summary>
    public string NewJobId() =>
        time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    /// <summary>The blob path of one of a job's files.</summary>
    public static string JobPath(string model, string jobId, string file) => $"training/{model}/{jobId}/{file}";

    public BlobClient JobBlob(string model, string jobId, string file) => Reports.GetBlobClient(JobPath(model, jobId, file));

    public async Task CreateAsync(TrainingJobSpec spec, TrainingJob job, CancellationToken cancellationToken)
    {
        await JobBlob(spec.Model, spec.JobId, "job.json").UploadAsync(BinaryData.FromObjectAsJson(spec, JsonDefaults.Options), overwrite: true, cancellationToken).ConfigureAwait(false);
        await Table.AddEntityAsync(ToEntity(job), cancellationToken).ConfigureAwait(false);
    }

    public async Task<TrainingJobSpec> GetSpecAsync(string model, string jobId, CancellationToken cancellationToken)
    {
        try
        {
            var content = await JobBlob(model, jobId, "job.json").DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content.ToObjectFromJson<TrainingJobSpec>(JsonDefaults.Options)
                ?? throw MLOpsException.NotFound($"Training job '{jobId}' of '{model}' has no input document.");
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw MLOpsException.NotFound($"Training job '{jobId}' of '{model}' has no input document.");
        }
    }

    public async Task<TrainingJob?> FindAsync(string model, string jobId, CancellationToken cancellationToken)
    {
        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(model, RowPrefix + jobId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return entity.HasValue ? FromEntity(entity.Value!) : null;
    }

    public async Task<TrainingJob> GetAsync(string model, string jobId, CancellationToken cancellationToken) =>
        await FindAsync(model, jobId, cancellationToken).ConfigureAwait(false)
        ?? throw MLOpsException.NotFound($"Model '{model}' has no training job '{jobId}'.");

    /// <summary>The model's jobs, newest first.</summary>
    public async Task<IReadOnlyList<TrainingJob>> ListAsync(string model, int max, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {model} and RowKey ge {RowPrefix} and RowKey lt {"trainjob}"}");
        var jobs = new List<TrainingJob>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(FromEntity(entity));
        }

        return jobs.OrderByDescending(j => j.SubmittedAt).ThenByDescending(j => j.JobId, StringComparer.Ordinal).Take(max).ToList();
    }

    /// <summary>Applies a change to the job's state, re-reading and retrying when another writer got there first.</summary>
    public async Task<TrainingJob> UpdateAsync(string model, string jobId, Func<TrainingJob, TrainingJob> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var entity = await Table.GetEntityIfExistsAsync<TableEntity>(model, RowPrefix + jobId, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!entity.HasValue)
            {
                throw MLOpsException.NotFound($"Model '{model}' has no training job '{jobId}'.");
            }

            var updated = change(FromEntity(entity.Value!));
            try
            {
                await Table.UpdateEntityAsync(ToEntity(updated), entity.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return updated;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 10)
            {
                // Another writer (a duplicate delivery, a progress update) changed the row; apply the change to the new state.
            }
        }
    }

    /// <summary>The job with one more message, keeping the newest <see cref="MaxMessages"/>.</summary>
    public TrainingJob WithMessage(TrainingJob job, string text)
    {
        var messages = job.Messages.Append(new JobMessage(time.GetUtcNow(), text.Length <= 500 ? text : text[..500] + "...")).ToList();
        return job with { Messages = messages.Count <= MaxMessages ? messages : messages.Skip(messages.Count - MaxMessages).ToList() };
    }

    private static TableEntity ToEntity(TrainingJob job)
    {
        // Large members in properties of their own: a table string property holds at most 32K characters.
        var core = job with { Messages = [], Gates = null, Error = null, Split = null, Metrics = null, ChampionMetrics = null };
        return new TableEntity(job.Model, RowPrefix + job.JobId)
        {
            ["Job"] = JsonSerializer.Serialize(core, JsonDefaults.Options),
            ["Messages"] = JsonSerializer.Serialize(job.Messages, JsonDefaults.Options),
            ["Gates"] = Json(job.Gates),
            ["Error"] = Json(job.Error),
            ["Split"] = Json(job.Split),
            ["Metrics"] = Json(job.Metrics),
            ["ChampionMetrics"] = Json(job.ChampionMetrics),
            ["State"] = job.State.ToString(),
        };
    }

    private static string? Json<T>(T? value)
        where T : class => value is null ? null : JsonSerializer.Serialize(value, JsonDefaults.Options);

    private static TrainingJob FromEntity(TableEntity entity)
    {
        var job = JsonSerializer.Deserialize<TrainingJob>(entity.GetString("Job"), JsonDefaults.Options)!;
        return job with
        {
            Messages = Read<List<JobMessage>>(entity, "Messages") ?? [],
            Gates = Read<Domain.Gates.GateReport>(entity, "Gates"),
            Error = Read<JobError>(entity, "Error"),
            Split = Read<Domain.Splits.SplitRecord>(entity, "Split"),
            Metrics = Read<Dictionary<string, double>>(entity, "Metrics"),
            ChampionMetrics = Read<Dictionary<string, double>>(entity, "ChampionMetrics"),
        };
    }

    private static T? Read<T>(TableEntity entity, string property)
        where T : class => entity.GetString(property) is { Length: > 0 } text ? JsonSerializer.Deserialize<T>(text, JsonDefaults.Options) : null;
}
