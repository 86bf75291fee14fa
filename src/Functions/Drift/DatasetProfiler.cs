using Azure;
using Azure.Storage.Blobs;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Datasets;
using MLOps.Functions.Registry;
using MLOps.Functions.Scoring;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Drift;

/// <summary>Builds a version's reference profile from a dataset in the datasets container, and the holdout prediction profile by scoring it.</summary>
/// <remarks>
/// One streaming pass: rows are read with the shared <see cref="TabularReader"/> (CSV or Parquet), profiled feature by
/// feature, and scored through the version's model in batches of <see cref="BatchRows"/>, so memory does not grow with
/// the dataset. Rows the model cannot take (a missing value in a non-nullable feature, an unknown category, a value
/// that does not fit the feature type) are profiled but not scored.
/// </remarks>
public sealed class DatasetProfiler(
    StorageClients clients,
    StorageNames names,
    IModelRegistry registry,
    ModelSessionCache sessions,
    Scorer scorer,
    IVersionDocuments documents,
    TimeProvider time)
{
    private const int BatchRows = 1000;

    public async Task<ProfileBuildResult> BuildAsync(string model, int version, string dataset, Principal by, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(dataset) || dataset.Length > 1024 || dataset.StartsWith('/') || dataset.Contains("..", StringComparison.Ordinal) || dataset.Any(char.IsControl))
        {
            throw MLOpsException.Validation("'dataset' must be the name of a blob in the datasets container (1 to 1024 characters, no '..', no leading '/').", [new("dataset", null, "Invalid blob name.")]);
        }

        var modelVersion = await registry.GetVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
        var schema = modelVersion.Features
            ?? throw MLOpsException.Validation($"Version {version} of '{model}' has no feature schema, so its features cannot be profiled.");
        var blob = clients.Blobs.GetBlobContainerClient(names.DatasetsContainer).GetBlobClient(dataset);
        Stream stream;
        try
        {
            stream = await blob.OpenReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw MLOpsException.NotFound($"No dataset '{dataset}' in the datasets container.");
        }

        await using (stream.ConfigureAwait(false))
        {
            TabularReader reader;
            try
            {
                reader = await TabularReader.OpenAsync(stream, dataset, new TabularReaderOptions { ComputeSha256 = true }, cancellationToken).ConfigureAwait(false);
            }
            catch (TabularFormatException ex)
            {
                throw MLOpsException.Validation($"The dataset cannot be read as a table: {ex.Message}");
            }

            await using (reader.ConfigureAwait(false))
            {
                return await ProfileAsync(modelVersion, schema, reader, blob.Uri.AbsolutePath, by, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<ProfileBuildResult> ProfileAsync(ModelVersion version, FeatureSchema schema, TabularReader reader, string datasetUri, Principal by, CancellationToken cancellationToken)
    {
        var columns = new int[schema.Features.Count];
        var missing = new List<ProblemError>();
        for (var f = 0; f < columns.Length; f++)
        {
            columns[f] = reader.Columns.FirstOrDefault(c => string.Equals(c.Name, schema.Features[f].Name, StringComparison.Ordinal))?.Index ?? -1;
            if (columns[f] < 0)
            {
                missing.Add(new(schema.Features[f].Name, null, "The dataset has no column of this name."));
            }
        }

        if (missing.Count > 0)
        {
            throw MLOpsException.Validation($"The dataset lacks {missing.Count} of the model's features: {string.Join(", ", missing.Take(10).Select(m => m.Field))}.", missing);
        }

        var builder = new ReferenceProfileBuilder(schema);
        using var lease = await sessions.AcquireAsync(version.Model, version.Version, cancellationToken).ConfigureAwait(false);
        var batch = new BatchColumns(schema, BatchRows);
        long scored = 0;
        try
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var scorable = true;
                for (var f = 0; f < columns.Length; f++)
                {
                    scorable &= AddCell(builder, batch, schema.Features[f], f, reader, columns[f]);
                }

                builder.EndRow();
                if (scorable && batch.Commit() == BatchRows)
                {
                    scored += ScoreBatch(builder, lease.Session, batch, version.Metadata.Task);
                }
            }

            if (batch.Rows > 0)
            {
                scored += ScoreBatch(builder, lease.Session, batch, version.Metadata.Task);
            }
        }
        catch (TabularFormatException ex)
        {
            throw MLOpsException.Validation($"The dataset cannot be read as a table: {ex.Message}");
        }

        var summary = await reader.CompleteAsync(cancellationToken).ConfigureAwait(false);
        var profile = builder.Build(datasetUri, summary.Sha256, time.GetUtcNow());
        await documents.PutJsonAsync(version.Model, version.Version, VersionDocumentNames.ReferenceProfile, profile, by.Name, cancellationToken).ConfigureAwait(false);
        return new ProfileBuildResult(profile, scored);
    }

    /// <summary>Profiles one cell and stages it for scoring; false when the model could not take the row.</summary>
    private static bool AddCell(ReferenceProfileBuilder builder, BatchColumns batch, FeatureSpec spec, int f, TabularReader reader, int column)
    {
        if (reader.IsNull(column))
        {
            builder.AddMissing(f);
            return batch.SetMissing(f, spec);
        }

        switch (spec.Type)
        {
            case FeatureType.String:
                var text = reader.GetString(column)!;
                builder.AddCategory(f, text);
                return batch.Set(f, text, spec);
            case FeatureType.Bool:
                if (!reader.TryGetBoolean(column, out var b))
                {
                    builder.AddMissing(f);
                    return false;
                }

                builder.AddBool(f, b);
                return batch.Set(f, b);
            default:
                if (!reader.TryGetDouble(column, out var d) || !double.IsFinite(d))
                {
                    builder.AddMissing(f);
                    return batch.SetMissing(f, spec);
                }

                builder.AddNumeric(f, d);
                return batch.Set(f, d, spec);
        }
    }

    private long ScoreBatch(ReferenceProfileBuilder builder, ModelSession session, BatchColumns batch, ModelTask declared)
    {
        var features = batch.ToBatch();
        batch.Clear();
        var result = scorer.Score(session, features);
        var classes = result.ClassNames.Count;
        var task = declared != ModelTask.Unspecified ? declared
            : result.Values is not null ? ModelTask.Regression
            : classes == 2 ? ModelTask.BinaryClassification
            : ModelTask.MulticlassClassification;
        if (task == ModelTask.BinaryClassification && result.ClassNames.Count > 0)
        {
            builder.PositiveClass = PositiveClass.Of(result.ClassNames);
        }

        for (var row = 0; row < result.Rows; row++)
        {
            var label = result.IntLabels is { } ints ? ints[row].ToString(System.Globalization.CultureInfo.InvariantCulture) : result.StringLabels?[row];
            double score;
            if (task == ModelTask.Regression)
            {
                score = result.Values?[row] ?? double.NaN;
            }
            else if (result.Probabilities is { } p && classes > 0)
            {
                // Same convention as the window reader (PositiveClass): the positive class by name for binary, the top class for multiclass.
                var span = p.AsSpan(row * classes, classes);
                score = task == ModelTask.BinaryClassification ? span[PositiveClass.IndexOf(result.ClassNames)] : span.ToArray().Max();
            }
            else
            {
                score = double.NaN;
            }

            builder.AddPrediction(task, label, score);
        }

        return result.Rows;
    }

    /// <summary>Typed column arrays for one scoring batch; a row is staged cell by cell and kept only when committed.</summary>
    private sealed class BatchColumns(FeatureSchema schema, int capacity)
    {
        private readonly Array[] _columns = schema.Features.Select(f => Create(f.Type, capacity)).ToArray();

        public int Rows { get; private set; }

        public bool SetMissing(int f, FeatureSpec spec)
        {
            if (spec.Nullable && spec.Type is FeatureType.Float or FeatureType.Double)
            {
                return Set(f, double.NaN, spec);
            }

            return false;
        }

        public bool Set(int f, string value, FeatureSpec spec)
        {
            ((string[])_columns[f])[Rows] = value;
            return spec.Categories is null || spec.Categories.Contains(value, StringComparer.Ordinal);
        }

        public bool Set(int f, bool value)
        {
            ((bool[])_columns[f])[Rows] = value;
            return true;
        }

        public bool Set(int f, double value, FeatureSpec spec)
        {
            if (!double.IsNaN(value) && ((spec.Min is { } min && value < min) || (spec.Max is { } max && value > max)))
            {
                return false;
            }

            switch (_columns[f])
            {
                case float[] a: a[Rows] = (float)value; return true;
                case double[] a: a[Rows] = value; return true;
                case int[] a when value == Math.Floor(value) && value is >= int.MinValue and <= int.MaxValue: a[Rows] = (int)value; return true;
                case long[] a when value == Math.Floor(value) && Math.Abs(value) < 9e18: a[Rows] = (long)value; return true;
                default: return false;
            }
        }

        public int Commit() => ++Rows;

        public void Clear() => Rows = 0;

        public FeatureBatch ToBatch()
        {
            var columns = _columns.Select(c =>
            {
                var copy = Array.CreateInstance(c.GetType().GetElementType()!, Rows);
                Array.Copy(c, copy, Rows);
                return copy;
            }).ToArray();
            return new FeatureBatch(schema, Rows, columns);
        }

        private static Array Create(FeatureType type, int capacity) => type switch
        {
            FeatureType.Float => new float[capacity],
            FeatureType.Double => new double[capacity],
            FeatureType.Int32 => new int[capacity],
            FeatureType.Int64 => new long[capacity],
            FeatureType.Bool => new bool[capacity],
            _ => new string[capacity],
        };
    }
}

/// <summary>A built reference profile and how many of its rows the model scored for the prediction profile.</summary>
public sealed record ProfileBuildResult(ReferenceProfile Profile, long ScoredRows);
