using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Splits;
using MLOps.Domain.Training;
using MLOps.Functions.Configuration;
using MLOps.Functions.Datasets;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Training;

/// <summary>A dataset as one job saw it: where, which bytes (ETag and SHA-256), how many rows of which classes, and the split.</summary>
/// <remarks>
/// Every later pass opens the blob with If-Match on <see cref="ETag"/>, so a file replaced during a job fails that pass
/// instead of training on other bytes than those hashed and split. Serialisable: it is an activity's output.
/// </remarks>
public sealed record PreparedDataset(
    string Blob,
    string Uri,
    string ETag,
    string Sha256,
    long Bytes,
    string Format,
    long Rows,
    IReadOnlyList<string> Classes,
    SplitRecord Split);

/// <summary>Opens training datasets in blob storage as streams and reads them as a recipe sees them, in bounded memory.</summary>
public sealed class TrainingDatasets(StorageClients clients, StorageNames names, IOptions<TrainingOptions> options)
{
    public const int MaxReportedProblems = 50;

    private BlobContainerClient Container => clients.Blobs.GetBlobContainerClient(names.DatasetsContainer);

    /// <summary>Checks a dataset URI against this account's datasets container.</summary>
    public DatasetLocation Locate(string? uri) => DatasetLocation.Parse(uri, clients.Blobs.Uri, names.DatasetsContainer);

    /// <summary>
    /// What the API checks before it answers 202: the blob exists and fits the size limit, it opens as CSV or Parquet,
    /// the recipe's columns are there with usable types, and the first rows parse. Everything wrong is one 400.
    /// </summary>
    public async Task CheckStartAsync(DatasetLocation location, TrainingRecipe recipe, CancellationToken cancellationToken)
    {
        var blob = Container.GetBlobClient(location.BlobName);
        var properties = await PropertiesAsync(blob, location, cancellationToken).ConfigureAwait(false);
        await using var reader = await OpenAsync(blob, location, recipe, properties.ETag, sha256: false, cancellationToken).ConfigureAwait(false);
        var rows = RecipeRows.Bind(recipe, reader.Columns);
        var problems = new List<ProblemError>();
        var read = 0;
        while (read < options.Value.UpfrontRows && problems.Count < MaxReportedProblems && await ReadAsync(reader, cancellationToken).ConfigureAwait(false))
        {
            rows.TryRead(reader, problems);
            read++;
        }

        if (read == 0)
        {
            throw Mismatch([new("datasetUri", null, "The dataset has a header but no rows.")]);
        }

        if (problems.Count > 0)
        {
            throw Mismatch(problems);
        }
    }

    /// <summary>
    /// The first full pass: hashes the bytes, checks every row against the recipe, counts rows per class, and splits.
    /// Any row that does not fit fails the whole dataset (up to 50 problems are listed).
    /// </summary>
    public async Task<PreparedDataset> PrepareAsync(DatasetLocation location, TrainingRecipe recipe, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var blob = Container.GetBlobClient(location.BlobName);
        var properties = await PropertiesAsync(blob, location, cancellationToken).ConfigureAwait(false);
        await using var reader = await OpenAsync(blob, location, recipe, properties.ETag, sha256: true, cancellationToken).ConfigureAwait(false);
        var rows = RecipeRows.Bind(recipe, reader.Columns);
        var problems = new List<ProblemError>();
        var classes = new Dictionary<string, ushort>(StringComparer.Ordinal);
        var strata = new List<ushort>();
        long count = 0;
        var classification = recipe.Task != ModelTask.Regression;
        while (problems.Count < MaxReportedProblems && await ReadAsync(reader, cancellationToken).ConfigureAwait(false))
        {
            count++;
            if (!rows.TryRead(reader, problems))
            {
                continue;
            }

            if (classification)
            {
                if (!classes.TryGetValue(rows.LabelClass, out var index))
                {
                    if (classes.Count >= options.Value.MaxClasses)
                    {
                        problems.Add(new(recipe.Label, null, $"The label '{recipe.Label}' has more than {options.Value.MaxClasses} distinct classes."));
                        break;
                    }

                    index = (ushort)classes.Count;
                    classes[rows.LabelClass] = index;
                }

                // Two bytes per row (the class), kept so the split can be fingerprinted right after the counts are known.
                strata.Add(index);
            }

            if ((count & 0xFFFF) == 0)
            {
                progress?.Report(Math.Min(1, (double)reader.BytesRead / Math.Max(1, properties.ContentLength)));
            }
        }

        if (problems.Count > 0)
        {
            throw Mismatch(problems);
        }

        var summary = await reader.CompleteAsync(cancellationToken).ConfigureAwait(false);
        if (count < options.Value.MinRows)
        {
            throw Mismatch([new("datasetUri", null, $"The dataset has {count} rows; training needs at least {options.Value.MinRows}.")]);
        }

        if (recipe.Task == ModelTask.BinaryClassification && classes.Count < 2)
        {
            throw Mismatch([new(recipe.Label, null, $"Every row has the same label '{classes.Keys.FirstOrDefault()}'; binary classification needs both classes.")]);
        }

        if (recipe.Task == ModelTask.MulticlassClassification && classes.Count < 3)
        {
            throw Mismatch([new(recipe.Label, null, $"The label has {classes.Count} distinct classes; multiclass classification needs at least 3 (use binaryClassification for 2).")]);
        }

        var names = classes.OrderBy(c => c.Value).Select(c => c.Key).ToArray();
        var split = Split(recipe, count, names, strata);
        progress?.Report(1);
        return new PreparedDataset(
            location.BlobName,
            location.Uri.AbsoluteUri,
            properties.ETag.ToString(),
            summary.Sha256 ?? throw new InvalidOperationException("The reader computed no SHA-256."),
            summary.Bytes,
            reader.Format.ToString().ToLowerInvariant(),
            count,
            names.Order(StringComparer.Ordinal).ToArray(),
            split);
    }

    /// <summary>
    /// Reads the prepared dataset again, row by row, with the split redone on the fly: <paramref name="visit"/> gets
    /// each row and whether it is in the holdout. The blob must still have the ETag it had when it was prepared.
    /// </summary>
    public async Task ForEachRowAsync(PreparedDataset dataset, TrainingRecipe recipe, Action<RecipeRows, bool> visit, CancellationToken cancellationToken)
    {
        var blob = Container.GetBlobClient(dataset.Blob);
        await using var reader = await OpenAsync(blob, new DatasetLocation(dataset.Blob, new Uri(dataset.Uri)), recipe, new ETag(dataset.ETag), sha256: false, cancellationToken).ConfigureAwait(false);
        var rows = RecipeRows.Bind(recipe, reader.Columns);
        var splitter = Splitter(dataset);
        var problems = new List<ProblemError>();
        long index = 0;
        while (await ReadAsync(reader, cancellationToken).ConfigureAwait(false))
        {
            if (!rows.TryRead(reader, problems))
            {
                throw new MLOpsException(ProblemKind.Integrity, "The dataset changed.", $"Row {reader.RowNumber} no longer fits the recipe although the first pass accepted it.");
            }

            visit(rows, splitter.IsHoldout(index++, rows.Stratum));
        }

        if (index != dataset.Rows)
        {
            throw new MLOpsException(ProblemKind.Integrity, "The dataset changed.", $"The dataset has {index} rows now but had {dataset.Rows} when it was prepared.");
        }
    }

    /// <summary>
    /// The train (or holdout) rows of a prepared dataset as a synchronous sequence, for ML.NET cursors: each enumeration
    /// opens the blob again and streams it, so no pass holds the file. The yielded <see cref="RecipeRows"/> is reused:
    /// copy its values before moving on.
    /// </summary>
    public IEnumerable<RecipeRows> ReadRows(PreparedDataset dataset, TrainingRecipe recipe, bool holdout, CancellationToken cancellationToken)
    {
        // ML.NET pulls rows synchronously; the job runs on a pool thread with no synchronisation context, so waiting is safe.
        var blob = Container.GetBlobClient(dataset.Blob);
        var reader = OpenAsync(blob, new DatasetLocation(dataset.Blob, new Uri(dataset.Uri)), recipe, new ETag(dataset.ETag), sha256: false, cancellationToken).GetAwaiter().GetResult();
        try
        {
            var rows = RecipeRows.Bind(recipe, reader.Columns);
            var splitter = Splitter(dataset);
            var problems = new List<ProblemError>();
            long index = 0;
            while (ReadAsync(reader, cancellationToken).AsTask().GetAwaiter().GetResult())
            {
                if (!rows.TryRead(reader, problems))
                {
                    throw new MLOpsException(ProblemKind.Integrity, "The dataset changed.", $"Row {reader.RowNumber} no longer fits the recipe although the first pass accepted it.");
                }

                if (splitter.IsHoldout(index++, rows.Stratum) == holdout)
                {
                    yield return rows;
                }
            }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The splitter of a prepared dataset, fresh for one pass.</summary>
    public static HoldoutSplitter Splitter(PreparedDataset dataset) =>
        new(dataset.Split.Seed, dataset.Split.HoldoutFraction, dataset.Split.Strata.ToDictionary(s => s.Key, s => s.Value.Rows, StringComparer.Ordinal));

    private static SplitRecord Split(TrainingRecipe recipe, long rows, string[] classNames, List<ushort> strata)
    {
        var counts = recipe.Task == ModelTask.Regression
            ? new Dictionary<string, long>(StringComparer.Ordinal) { [HoldoutSplitter.AllRows] = rows }
            : strata.GroupBy(s => s).ToDictionary(g => classNames[g.Key], g => (long)g.Count(), StringComparer.Ordinal);
        var splitter = new HoldoutSplitter(recipe.Seed, recipe.HoldoutFraction, counts);
        using var fingerprint = new FingerprintBuilder();
        for (long i = 0; i < rows; i++)
        {
            var stratum = recipe.Task == ModelTask.Regression ? HoldoutSplitter.AllRows : classNames[strata[(int)i]];
            if (splitter.IsHoldout(i, stratum))
            {
                fingerprint.Add(i);
            }
        }

        return splitter.Record(recipe.Task != ModelTask.Regression, fingerprint.Finish());
    }

    private async Task<BlobProperties> PropertiesAsync(BlobClient blob, DatasetLocation location, CancellationToken cancellationToken)
    {
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw MLOpsException.Validation($"No dataset at '{location.Uri}'. Upload it to the datasets container first.", [new("datasetUri", null, "No such blob.")]);
        }

        if (properties.ContentLength > options.Value.MaxDatasetBytes)
        {
            throw MLOpsException.TooLarge($"The dataset is {properties.ContentLength} bytes; training reads at most {options.Value.MaxDatasetBytes} (MLOps:Training:MaxDatasetBytes).");
        }

        return properties;
    }

    private static async Task<TabularReader> OpenAsync(BlobClient blob, DatasetLocation location, TrainingRecipe recipe, ETag etag, bool sha256, CancellationToken cancellationToken)
    {
        Stream stream;
        try
        {
            stream = await blob.OpenReadAsync(
                new BlobOpenReadOptions(allowModifications: false) { Conditions = new BlobRequestConditions { IfMatch = etag }, BufferSize = 4 * 1024 * 1024 },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            throw new MLOpsException(ProblemKind.Conflict, "The dataset changed.", $"The dataset at '{location.Uri}' was replaced or deleted while the job used it; submit the job again.");
        }

        try
        {
            return await TabularReader.OpenAsync(
                stream,
                location.BlobName,
                TabularReaderOptions.Default with { ComputeSha256 = sha256, Columns = RecipeRows.ColumnsOf(recipe) },
                cancellationToken).ConfigureAwait(false);
        }
        catch (TabularFormatException ex)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw Mismatch([new("datasetUri", ex.Row is { } r && r <= int.MaxValue ? (int)r : null, ex.Message)]);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async ValueTask<bool> ReadAsync(TabularReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TabularFormatException ex)
        {
            throw Mismatch([new("datasetUri", ex.Row is { } r && r <= int.MaxValue ? (int)r : null, ex.Message)]);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            throw new MLOpsException(ProblemKind.Conflict, "The dataset changed.", "The dataset was replaced or deleted while the job read it; submit the job again.");
        }
    }

    public static MLOpsException Mismatch(IReadOnlyList<ProblemError> problems) => MLOpsException.Validation(
        problems.Count == 1 ? $"The dataset does not match the recipe: {problems[0].Message}" : $"The dataset does not match the recipe: {problems.Count}{(problems.Count >= MaxReportedProblems ? " or more" : string.Empty)} problems.",
        problems);
}
