using MLOps.Domain.Features;
using MLOps.Domain.Registry;

namespace MLOps.Domain.Profiles;

/// <summary>Settings of a profile build; the defaults suit drift checks of typical tabular models.</summary>
/// <param name="Bins">Quantile bins per numeric feature (PSI is defined over these).</param>
/// <param name="SampleSize">Largest uniform sample kept per numeric feature, for KS and Wasserstein.</param>
/// <param name="MaxCategories">Distinct values counted per categorical feature before the rest go to "other".</param>
/// <param name="Seed">Seed of the reservoir sampling, so the same data always gives the same profile.</param>
public sealed record ReferenceProfileOptions(int Bins = 10, int SampleSize = 10_000, int MaxCategories = 1_000, int Seed = 17)
{
    public static ReferenceProfileOptions Default { get; } = new();
}

/// <summary>Builds a <see cref="ReferenceProfile"/> in one streaming pass over rows of a feature schema.</summary>
/// <remarks>
/// Feed values feature by feature (by schema position) or whole <see cref="FeatureBatch"/>es; call
/// <see cref="EndRow"/> after each row fed value by value. Memory is bounded by the options, not by the rows.
/// </remarks>
public sealed class ReferenceProfileBuilder
{
    private readonly FeatureSchema _schema;
    private readonly ReferenceProfileOptions _options;
    private readonly NumericAccumulator?[] _numeric;
    private readonly CategoricalAccumulator?[] _categorical;
    private readonly Random _random;
    private PredictionAccumulator? _predictions;
    private long _rows;

    public ReferenceProfileBuilder(FeatureSchema schema, ReferenceProfileOptions? options = null)
    {
        _schema = schema;
        _options = options ?? ReferenceProfileOptions.Default;
        if (_options.Bins < 2 || _options.SampleSize < 10 || _options.MaxCategories < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "A profile needs at least 2 bins, a sample of 10 and 1 category.");
        }

        _random = new Random(_options.Seed);
        _numeric = new NumericAccumulator?[schema.Features.Count];
        _categorical = new CategoricalAccumulator?[schema.Features.Count];
        for (var i = 0; i < schema.Features.Count; i++)
        {
            if (KindOf(schema.Features[i].Type) == ProfileKind.Numeric)
            {
                _numeric[i] = new NumericAccumulator(_options.SampleSize, _random);
            }
            else
            {
                _categorical[i] = new CategoricalAccumulator(_options.MaxCategories);
            }
        }
    }

    /// <summary>The profile kind a feature type gets: bool is binary, string categorical, every number numeric.</summary>
    public static ProfileKind KindOf(FeatureType type) => type switch
    {
        FeatureType.Bool => ProfileKind.Binary,
        FeatureType.String => ProfileKind.Categorical,
        _ => ProfileKind.Numeric,
    };

    public void AddNumeric(int feature, double value) => Numeric(feature).Add(value);

    public void AddCategory(int feature, string? value) => Categorical(feature).Add(value);

    public void AddBool(int feature, bool value) => Categorical(feature).Add(value);

    public void AddMissing(int feature)
    {
        if (_numeric[feature] is { } n)
        {
            n.AddMissing();
        }
        else
        {
            _categorical[feature]!.AddMissing();
        }
    }

    public void EndRow() => _rows++;

    /// <summary>Adds every row of a validated batch (same schema).</summary>
    public void AddBatch(FeatureBatch batch)
    {
        for (var f = 0; f < _schema.Features.Count; f++)
        {
            switch (batch.Columns[f])
            {
                case float[] a: foreach (var v in a) { AddNumeric(f, v); } break;
                case double[] a: foreach (var v in a) { AddNumeric(f, v); } break;
                case int[] a: foreach (var v in a) { AddNumeric(f, v); } break;
                case long[] a: foreach (var v in a) { AddNumeric(f, v); } break;
                case bool[] a: foreach (var v in a) { AddBool(f, v); } break;
                case string?[] a: foreach (var v in a) { AddCategory(f, v); } break;
                default: throw new ArgumentException($"Column {f} has an unsupported type {batch.Columns[f].GetType().Name}.", nameof(batch));
            }
        }

        _rows += batch.Rows;
    }

    /// <summary>
    /// Binary classification: the class whose probability the scores given to <see cref="AddPrediction"/> are (see
    /// <see cref="Profiles.PositiveClass"/>); stored as <see cref="PredictionProfile.PositiveClass"/>.
    /// </summary>
    public string? PositiveClass { get; set; }

    /// <summary>Records one holdout prediction: its label (classification) and its score (see <see cref="PredictionProfile.Scores"/>).</summary>
    /// <remarks>For a binary classifier the score is the probability of the positive class, by <see cref="Profiles.PositiveClass"/>'s rule.</remarks>
    public void AddPrediction(ModelTask task, string? label, double score)
    {
        _predictions ??= new PredictionAccumulator(task, _options, _random);
        _predictions.Add(label, score);
    }

    public ReferenceProfile Build(string? datasetUri = null, string? datasetSha256 = null, DateTimeOffset createdAt = default)
    {
        var features = new List<FeatureProfile>(_schema.Features.Count);
        for (var i = 0; i < _schema.Features.Count; i++)
        {
            var spec = _schema.Features[i];
            var kind = KindOf(spec.Type);
            features.Add(_numeric[i] is { } n
                ? new FeatureProfile { Name = spec.Name, Kind = kind, Count = n.Count, Missing = n.Missing, Numeric = n.Build(_options.Bins) }
                : new FeatureProfile { Name = spec.Name, Kind = kind, Count = _categorical[i]!.Count, Missing = _categorical[i]!.Missing, Categorical = _categorical[i]!.Build() });
        }

        return new ReferenceProfile
        {
            Rows = _rows,
            Features = features,
            Predictions = _predictions?.Build() is { } predictions
                ? predictions with { PositiveClass = predictions.Task == ModelTask.BinaryClassification ? PositiveClass : null }
                : null,
            DatasetUri = datasetUri,
            DatasetSha256 = datasetSha256,
            CreatedAt = createdAt,
        };
    }

    private NumericAccumulator Numeric(int feature) =>
        _numeric[feature] ?? throw new InvalidOperationException($"Feature '{_schema.Features[feature].Name}' is not numeric.");

    private CategoricalAccumulator Categorical(int feature) =>
        _categorical[feature] ?? throw new InvalidOperationException($"Feature '{_schema.Features[feature].Name}' is numeric.");

    private sealed class PredictionAccumulator(ModelTask task, ReferenceProfileOptions options, Random random)
    {
        private readonly CategoricalAccumulator _labels = new(options.MaxCategories);
        private readonly NumericAccumulator _scores = new(options.SampleSize, random);

        public void Add(string? label, double score)
        {
            if (task != ModelTask.Regression)
            {
                _labels.Add(label);
            }

            _scores.Add(score);
        }

        public PredictionProfile Build() => new()
        {
            Task = task,
            Labels = task == ModelTask.Regression ? null : _labels.Build(),
            Scores = _scores.Build(options.Bins),
        };
    }
}
