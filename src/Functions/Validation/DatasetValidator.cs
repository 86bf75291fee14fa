using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Domain.Problems;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;
using MLOps.Domain.Retraining;
using MLOps.Domain.Security;
using MLOps.Domain.Validation;
using MLOps.Functions.Datasets;
using MLOps.Functions.Policies;
using MLOps.Functions.Registry;
using MLOps.Functions.Retraining;
using MLOps.Functions.Storage;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Validation;

/// <summary>
/// The blob-triggered function: validates an uploaded file under <c>datasets/{model}/...</c> and settles it, either as a
/// registered dataset version (and a retraining request when the policy says so) or moved to quarantine with its report.
/// </summary>
/// <remarks>
/// <para>
/// Both hosts call <see cref="ValidateBlobAsync"/> with the blob name: Azure from its <c>[BlobTrigger]</c>, the local host
/// from its container scan. It reads the blob's current ETag itself, validates exactly that content (every read and the
/// delete are conditional on it), and derives the report id from name + ETag. So a retry after a crash overwrites the same
/// report and index row, the dataset version is registered once per SHA-256, and a quarantine copy lands on the same path:
/// every upload ends with one outcome however often it is processed.
/// </para>
/// <para>
/// Order of effects. Failing file: report, then copy to quarantine (with the report beside it), then delete the original;
/// a crash between copy and delete leaves the original, which the retry moves again. Passing file: dataset version, then
/// retraining request, then report. Audit entry and metric come last in both cases.
/// </para>
/// </remarks>
public sealed partial class DatasetValidator(
    StorageClients clients,
    StorageNames names,
    IModelRegistry registry,
    IVersionDocuments documents,
    IExpectationStore expectations,
    IDatasetVersions datasets,
    ValidationReports reports,
    IModelPolicyStore policies,
    IRetrainingTrigger retraining,
    MLOpsMetrics metrics,
    TimeProvider time,
    IOptions<ValidationOptions> options,
    ILogger<DatasetValidator> logger)
{
    public const string FunctionName = "ValidateDataset";
    private static readonly Principal Actor = new(FunctionName, Role.Operator);

    private BlobContainerClient Datasets => clients.Blobs.GetBlobContainerClient(names.DatasetsContainer);

    /// <summary>Validates and settles the blob <paramref name="name"/> of the datasets container; returns its report (null if the blob is gone).</summary>
    public async Task<ValidationReport?> ValidateBlobAsync(string name, CancellationToken cancellationToken)
    {
        var blob = Datasets.GetBlobClient(name);
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            LogGone(logger, name);
            return null; // Already settled (moved to quarantine) or deleted by someone: nothing left to do.
        }

        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var etag = properties.ETag;
        var model = ModelOf(name);
        var id = ValidationReports.IdOf(name, etag.ToString(), properties.LastModified);
        var context = await LoadSuiteAsync(model, cancellationToken).ConfigureAwait(false);

        DatasetValidationResult result;
        TabularReadSummary? read = null;
        TabularReader? reader = null;
        if (context is null)
        {
            result = DatasetValidation.UnknownModel(model ?? name);
        }
        else
        {
            try
            {
                var stream = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { Conditions = new BlobRequestConditions { IfMatch = etag }, BufferSize = 4 * 1024 * 1024 }, cancellationToken).ConfigureAwait(false);
                reader = await TabularReader.OpenAsync(stream, name, ReaderOptions(context.Value.Suite), cancellationToken).ConfigureAwait(false);
                (result, read) = await ValidateRowsAsync(
                    reader,
                    context.Value.Suite,
                    started,
                    properties.LastModified,
                    () => new SpillingDuplicateKeyCounter(options.Value.UniqueKeysInMemory, Spool),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (TabularFormatException ex)
            {
                result = DatasetValidation.Unreadable(ex.Message, ex.Row);
            }
            finally
            {
                if (reader is not null)
                {
                    await reader.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        var report = new ValidationReport
        {
            Id = id,
            Model = model ?? "_unknown",
            Path = name,
            Uri = blob.Uri.ToString(),
            ETag = etag.ToString(),
            Format = reader?.Format.ToString().ToLowerInvariant(),
            Delimiter = reader?.Delimiter?.ToString(),
            Sha256 = read?.Sha256,
            Bytes = read?.Bytes ?? properties.ContentLength,
            Rows = result.Rows,
            Columns = [.. result.Columns.Select(c => new DatasetColumnInfo(c.Name, c.Declared.ToString().ToLowerInvariant()))],
            ModelVersion = context?.Version,
            Passed = result.Passed,
            QualityScore = result.Score,
            Rules = result.Rules,
            StartedAt = started,
            FinishedAt = started,
            Outcome = result.Passed ? "registered" : "quarantined",
            Summary = string.Empty,
        };

        report = result.Passed
            ? await RegisterAsync(report, cancellationToken).ConfigureAwait(false)
            : await QuarantineAsync(report, blob, etag, cancellationToken).ConfigureAwait(false);

        var elapsed = clock.Elapsed;
        metrics.DatasetValidated(report.Model, report.Outcome, elapsed);
        if (context is not null)
        {
            // Keyed by the report id (name + ETag + write time): a retry after a crash overwrites the entry, never adds one.
            var action = report.Passed ? AuditActions.DatasetValidated : AuditActions.DatasetQuarantined;
            await registry.AppendAuditOnceAsync(report.Model, AuditKey(report.Id), action, Actor, report.ModelVersion, $"{name}: {report.Summary} (report {report.Id})", cancellationToken).ConfigureAwait(false);
        }

        LogOutcome(logger, name, report.Outcome, report.Rows, report.QualityScore, report.Id);
        return report;
    }

    /// <summary>
    /// The streaming pass: every row of <paramref name="reader"/> through the suite's rules, then the reader's malformed
    /// records, then the rest of the file for its size and SHA-256. The validation benchmark times this same method.
    /// </summary>
    /// <remarks>The caller owns the reader, so a report can still name the format when the pass throws <see cref="TabularFormatException"/>.</remarks>
    internal static async Task<(DatasetValidationResult Result, TabularReadSummary Read)> ValidateRowsAsync(
        TabularReader reader, ExpectationSuite suite, DateTimeOffset now, DateTimeOffset? fileTime, Func<IDuplicateKeyCounter> duplicateCounter, CancellationToken cancellationToken)
    {
        using var validation = new DatasetValidation(suite, [.. reader.Columns.Select(c => new DatasetColumn(c.Name, Kind(c.DeclaredType)))], now, fileTime, duplicateCounter);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            validation.Observe(reader);
        }

        validation.AddMalformedRecords(reader.MalformedRecords, reader.Issues.Select(i => (i.Row, i.Message)));
        var read = await reader.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return (validation.Finish(), read);
    }

    /// <summary>The identity of one upload's validation, for its audit entry and its retraining request.</summary>
    internal static string AuditKey(string reportId) => "dataset-validation|" + reportId;

    /// <summary>The model a blob belongs to: its first path segment, when that is a valid model name.</summary>
    internal static string? ModelOf(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return null;
        }

        var model = name[..slash];
        try
        {
            RegistryRules.EnsureModelName(model);
            return model;
        }
        catch (MLOpsException)
        {
            return null;
        }
    }

    private static DeclaredKind Kind(TabularType type) => type switch
    {
        TabularType.Boolean => DeclaredKind.Boolean,
        TabularType.Int32 or TabularType.Int64 => DeclaredKind.Integer,
        TabularType.Float or TabularType.Double or TabularType.Decimal => DeclaredKind.Real,
        TabularType.DateTime or TabularType.Date or TabularType.Time => DeclaredKind.Temporal,
        TabularType.Binary => DeclaredKind.Binary,
        _ => DeclaredKind.Untyped,
    };

    private string? Spool => string.IsNullOrEmpty(options.Value.SpoolDirectory) ? null : options.Value.SpoolDirectory;

    private TabularReaderOptions ReaderOptions(ExpectationSuite suite) => new()
    {
        Delimiter = suite.Settings.Delimiter,
        NullValues = suite.Settings.NullValues,
        ComputeSha256 = true,
        MaxRecordBytes = options.Value.MaxRecordBytes,
        MaxRowGroupBytes = options.Value.MaxRowGroupBytes,
        SpoolDirectory = Spool,
    };

    /// <summary>The suite for a model's datasets: null when the model is not registered (or the name is not a model).</summary>
    private async Task<(ExpectationSuite Suite, int? Version)?> LoadSuiteAsync(string? model, CancellationToken cancellationToken)
    {
        if (model is null)
        {
            return null;
        }

        try
        {
            await registry.EnsureModelExistsAsync(model, cancellationToken).ConfigureAwait(false);
        }
        catch (MLOpsException ex) when (ex.Kind == ProblemKind.NotFound)
        {
            return null;
        }

        var settings = (await expectations.GetAsync(model, cancellationToken).ConfigureAwait(false)).Expectations;
        return await DeriveSuiteAsync(model, settings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The suite that <paramref name="settings"/> give with the model's champion schema and profile; the model must exist.</summary>
    internal async Task<(ExpectationSuite Suite, int? Version)> DeriveSuiteAsync(string model, ModelExpectations settings, CancellationToken cancellationToken)
    {
        var version = await ChampionAsync(model, cancellationToken).ConfigureAwait(false);
        var profile = version is null ? null : await documents.GetJsonAsync<ReferenceProfile>(model, version.Version, VersionDocumentNames.ReferenceProfile, cancellationToken).ConfigureAwait(false);
        var label = settings.LabelColumn
            ?? (version?.Metadata.Tags.TryGetValue("labelColumn", out var tagged) == true ? tagged : null)
            ?? "label";
        return (ExpectationSuite.Derive(version?.Features, profile, settings, label), version?.Version);
    }

    /// <summary>The version the expectations come from: the champion, else the latest active version, else none.</summary>
    private async Task<ModelVersion?> ChampionAsync(string model, CancellationToken cancellationToken)
    {
        var champion = await registry.FindAliasAsync(model, "champion", cancellationToken).ConfigureAwait(false);
        if (champion is not null)
        {
            return await registry.GetVersionAsync(model, champion.Version, cancellationToken).ConfigureAwait(false);
        }

        var versions = await registry.ListVersionsAsync(model, cancellationToken).ConfigureAwait(false);
        return versions.Where(v => v.Status == ModelVersionStatus.Active).MaxBy(v => v.Version);
    }

    private async Task<ValidationReport> RegisterAsync(ValidationReport report, CancellationToken cancellationToken)
    {
        var version = await datasets.RegisterAsync(
            new DatasetVersion
            {
                Model = report.Model,
                Version = 0,
                Uri = report.Uri,
                Path = report.Path,
                Sha256 = report.Sha256!,
                Rows = report.Rows,
                Bytes = report.Bytes,
                Format = report.Format!,
                Schema = report.Columns,
                ReportId = report.Id,
                QualityScore = report.QualityScore,
                CreatedAt = report.StartedAt,
            },
            cancellationToken).ConfigureAwait(false);

        var policy = (await policies.GetAsync(report.Model, cancellationToken).ConfigureAwait(false)).Policy;
        RetrainingOutcome outcome;
        if (!policy.RetrainOnNewData)
        {
            outcome = new RetrainingOutcome(false, false, null, "The model's policy does not retrain on new data (retrainOnNewData is off).");
        }
        else if (version.ReportId != report.Id)
        {
            // The same bytes were registered by another upload (a copy under another name): no new data to train on.
            outcome = new RetrainingOutcome(false, false, null, $"The same content is already dataset version {version.Version} (report {version.ReportId}); it is not new data.");
        }
        else
        {
            // The key makes a retry of this upload (after a crash before its receipt settled) get the recorded request back.
            var decision = await retraining.RequestAsync(
                new RetrainingRequest(report.Model, RetrainingReason.NewData, $"dataset version {version.Version} ({report.Path}, {report.Rows} rows, sha256 {report.Sha256![..12]})", version.Uri, FunctionName, AuditKey(report.Id)),
                cancellationToken).ConfigureAwait(false);
            outcome = new RetrainingOutcome(true, decision.Accepted, decision.Record?.Id, decision.SuppressedBecause);
        }

        report = Finish(report with { DatasetVersion = version.Version, Retraining = outcome });
        await reports.SaveAsync(report, cancellationToken).ConfigureAwait(false);
        return report;
    }

    private async Task<ValidationReport> QuarantineAsync(ValidationReport report, BlobClient source, ETag etag, CancellationToken cancellationToken)
    {
        var target = $"{report.Model}/{(report.Path.StartsWith(report.Model + "/", StringComparison.Ordinal) ? report.Path[(report.Model.Length + 1)..] : report.Path)}";
        report = Finish(report with { QuarantinePath = $"{names.QuarantineContainer}/{target}" });
        await reports.SaveAsync(report, cancellationToken).ConfigureAwait(false);

        // Copy then delete, both tied to the ETag validated: a crash in between leaves the original for the retry, and a
        // file re-uploaded meanwhile (new ETag) is neither copied nor deleted here; its own trigger handles it.
        var quarantine = clients.Blobs.GetBlobContainerClient(names.QuarantineContainer);
        try
        {
            await using (var content = await source.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { Conditions = new BlobRequestConditions { IfMatch = etag } }, cancellationToken).ConfigureAwait(false))
            {
                await quarantine.GetBlobClient(target).UploadAsync(content, overwrite: true, cancellationToken).ConfigureAwait(false);
            }

            await quarantine.GetBlobClient(target + ".report.json").UploadAsync(
                BinaryData.FromBytes(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(report, JsonDefaults.Options)), overwrite: true, cancellationToken).ConfigureAwait(false);
            await quarantine.GetBlobClient(target + ".report.md").UploadAsync(BinaryData.FromString(report.ToMarkdown()), overwrite: true, cancellationToken).ConfigureAwait(false);
            await source.DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = etag }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            LogChangedDuringQuarantine(logger, report.Path, ex.Status);
        }

        return report;
    }

    private ValidationReport Finish(ValidationReport report)
    {
        var finished = time.GetUtcNow();
        var failed = report.Rules.Where(r => r.Verdict == RuleVerdict.Failed).ToList();
        var summary = report.Passed
            ? $"Passed: {report.Rows} rows, {report.Rules.Count(r => r.Verdict == RuleVerdict.Passed)} rules held, quality score {report.QualityScore}. Registered as dataset version {report.DatasetVersion}."
              + (report.Retraining is { } r ? r.Requested ? r.Accepted ? $" Retraining requested ({r.RequestId})." : $" Retraining suppressed: {r.Detail}" : " " + r.Detail : string.Empty)
            : $"Failed {failed.Count} rule(s) ({string.Join(", ", failed.Take(5).Select(f => f.Rule))}{(failed.Count > 5 ? ", ..." : string.Empty)}) on {report.Rows} rows, quality score {report.QualityScore}. Moved to {report.QuarantinePath}. {failed.FirstOrDefault()?.Message}";
        return report with { FinishedAt = finished, Summary = summary };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dataset {Blob} is gone; nothing to validate")]
    private static partial void LogGone(ILogger logger, string blob);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dataset {Blob}: {Outcome}, {Rows} rows, quality {Score}, report {ReportId}")]
    private static partial void LogOutcome(ILogger logger, string blob, string outcome, long rows, double score, string reportId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dataset {Blob} changed or vanished while it was moved to quarantine (status {Status}); its new upload is handled by its own trigger")]
    private static partial void LogChangedDuringQuarantine(ILogger logger, string blob, int status);
}
