using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MLOps.Domain.Problems;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Validation;

/// <summary>A line of the report list.</summary>
public sealed record ValidationSummary(string Id, string Model, string Path, bool Passed, double QualityScore, long Rows, string Outcome, int? DatasetVersion, DateTimeOffset FinishedAt);

/// <summary>Validation reports: JSON and Markdown blobs in the reports container, indexed per model in a table.</summary>
/// <remarks>
/// A report's id is derived from the blob's name, ETag and write time, so validating the same upload again (a retry
/// after a crash) overwrites the same report and index row instead of adding a second outcome.
/// </remarks>
public sealed partial class ValidationReports(StorageClients clients, StorageNames names)
{
    private BlobContainerClient Container => clients.Blobs.GetBlobContainerClient(names.ReportsContainer);

    private TableClient Index => clients.Tables.GetTableClient(names.ValidationsTable);

    /// <summary>The report id of one upload: its write time, then a hash of its name and ETag.</summary>
    public static string IdOf(string path, string etag, DateTimeOffset lastModified)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path + "\n" + etag)))[..16];
        return $"{lastModified.UtcDateTime.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture)}-{hash}";
    }

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    public async Task SaveAsync(ValidationReport report, CancellationToken cancellationToken)
    {
        await Container.GetBlobClient($"validations/{report.Id}.json").UploadAsync(
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(report, JsonDefaults.Options)),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            cancellationToken).ConfigureAwait(false);
        await Container.GetBlobClient($"validations/{report.Id}.md").UploadAsync(
            BinaryData.FromString(report.ToMarkdown()),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "text/markdown; charset=utf-8" } },
            cancellationToken).ConfigureAwait(false);

        // Newest first within a model: the row key starts with inverted ticks of the upload time.
        var at = DateTime.ParseExact(report.Id[..15], "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        var entity = new TableEntity(report.Model, $"{DateTime.MaxValue.Ticks - at.Ticks:D19}-{report.Id}")
        {
            ["Id"] = report.Id,
            ["Path"] = report.Path,
            ["Passed"] = report.Passed,
            ["QualityScore"] = report.QualityScore,
            ["Rows"] = report.Rows,
            ["Outcome"] = report.Outcome,
            ["DatasetVersion"] = report.DatasetVersion,
            ["FinishedAt"] = report.FinishedAt,
        };
        await Index.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ValidationReport> GetAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var content = await Container.GetBlobClient($"validations/{id}.json").DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content.ToObjectFromJson<ValidationReport>(JsonDefaults.Options)!;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw MLOpsException.NotFound($"There is no validation report '{id}'.");
        }
    }

    /// <summary>Reports of one model (or of all models when null), newest first.</summary>
    public async Task<IReadOnlyList<ValidationSummary>> ListAsync(string? model, int max, CancellationToken cancellationToken)
    {
        var query = model is null
            ? Index.QueryAsync<TableEntity>(cancellationToken: cancellationToken)
            : Index.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {model}"), cancellationToken: cancellationToken);
        var list = new List<ValidationSummary>();
        await foreach (var e in query.ConfigureAwait(false))
        {
            list.Add(new ValidationSummary(
                e.GetString("Id"), e.PartitionKey, e.GetString("Path"), e.GetBoolean("Passed") ?? false, e.GetDouble("QualityScore") ?? 0,
                e.GetInt64("Rows") ?? 0, e.GetString("Outcome"), e.GetInt32("DatasetVersion"), e.GetDateTimeOffset("FinishedAt") ?? default));
            if (model is not null && list.Count >= max)
            {
                break;
            }
        }

        return [.. list.OrderByDescending(s => s.Id, StringComparer.Ordinal).Take(max)];
    }

    [GeneratedRegex("^[0-9]{8}T[0-9]{6}-[0-9a-f]{16}$")]
    private static partial Regex IdPattern();
}
