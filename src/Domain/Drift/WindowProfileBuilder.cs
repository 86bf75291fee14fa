using MLOps.Domain.Profiles;

namespace MLOps.Domain.Drift;

/// <summary>Summarises the live window of a model's traffic in one streaming pass, shaped for comparison with a reference profile.</summary>
/// <remarks>
/// Numeric values are counted straight into the reference's quantile bins (so PSI is exact over the whole window) and
/// kept in a bounded uniform reservoir sample (for KS and Wasserstein); categories are counted up to a cap. Memory is
/// therefore bounded by the options, whatever the size of the window, and each row costs a bin search and a few adds.
/// </remarks>
public sealed class WindowProfileBuilder
{
    /// <summary>The name under which the predicted label is profiled and reported.</summary>
    public const string PredictionLabel = "prediction.label";

    /// <summary>The name under which the prediction score (probability or value) is profiled and reported.</summary>
    public const string PredictionScore = "prediction.score";

    private readonly ReferenceProfile _reference;
    private readonly WindowFeatureAccumulator[] _features;
    private readonly WindowFeatureAccumulator? _labels;
    private readonly WindowFeatureAccumulator? _scores;
    private long _rows;

    public WindowProfileBuilder(ReferenceProfile reference, int sampleSize = 50_000, int maxCategories = 1_000, int seed = 23)
    {
        if (sampleSize < 10 || maxCategories < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleSize), "A window needs a sample of at least 10 values and 1 category.");
        }

        _reference = reference;
        var random = new Random(seed);
        _features = reference.Features
            .Select(f => new WindowFeatureAccumulator(f.Name, f.Kind, f.Numeric?.BinEdges, sampleSize, maxCategories, random))
            .ToArray();
        if (reference.Predictions is { } predictions)
        {
            _labels = predictions.Labels is null ? null : new WindowFeatureAccumulator(PredictionLabel, ProfileKind.Categorical, null, sampleSize, maxCategories, random);
            _scores = predictions.Scores is { } s ? new WindowFeatureAccumulator(PredictionScore, ProfileKind.Numeric, s.BinEdges, sampleSize, maxCategories, random) : null;
        }
    }

    public IReadOnlyList<FeatureProfile> ReferenceFeatures => _reference.Features;

    public void AddNumeric(int feature, double value) => _features[feature].AddNumeric(value);

    public void AddCategory(int feature, string? value) => _features[feature].AddCategory(value);

    /// <summary>Adds a category given as characters; allocates a string only for a category the window has not seen yet.</summary>
    public void AddCategory(int feature, ReadOnlySpan<char> value) => _features[feature].AddCategory(value);

    public void AddMissing(int feature) => _features[feature].AddMissing();

    public void EndRow() => _rows++;

    /// <summary>Adds one prediction: its label (classification) and its score (positive-class or top-class probability, or value).</summary>
    public void AddPrediction(string? label, double? score)
    {
        _labels?.AddCategory(label);
        AddPredictionScore(score);
    }

    /// <summary>Adds a predicted label given as characters (allocation-free for labels already seen).</summary>
    public void AddPredictedLabel(ReadOnlySpan<char> label) => _labels?.AddCategory(label);

    public void AddPredictedLabelMissing() => _labels?.AddMissing();

    /// <summary>Adds a prediction score; null or non-finite counts as missing.</summary>
    public void AddPredictionScore(double? score)
    {
        if (_scores is null)
        {
            return;
        }

        if (score is { } s)
        {
            _scores.AddNumeric(s);
        }
        else
        {
            _scores.AddMissing();
        }
    }

    /// <summary>Whether the reference profiles predicted labels (so the window should collect them).</summary>
    public bool WantsLabels => _labels is not null;

    public long Rows => _rows;

    public WindowProfile Build() => new(
        _rows,
        _features.Select(f => f.Build()).ToList(),
        _labels?.Build(),
        _scores?.Build());
}

/// <summary>The live window summarised feature by feature, aligned with the reference profile it was built for.</summary>
public sealed record WindowProfile(long Rows, IReadOnlyList<WindowFeature> Features, WindowFeature? PredictedLabels, WindowFeature? PredictionScores)
{
    public WindowFeature? Feature(string name) => Features.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));
}

/// <summary>One feature of the live window: counts in the reference's bins, a sorted sample, or category counts.</summary>
public sealed record WindowFeature(
    string Name,
    ProfileKind Kind,
    long Count,
    long Missing,
    IReadOnlyList<long>? BinCounts,
    double[]? SortedSample,
    IReadOnlyDictionary<string, long>? Categories,
    long OtherCount);

internal sealed class WindowFeatureAccumulator(string name, ProfileKind kind, IReadOnlyList<double>? edges, int sampleSize, int maxCategories, Random random)
{
    private readonly double[]? _edges = edges?.ToArray();
    private readonly long[]? _bins = edges is null ? null : new long[edges.Count + 1];
    private readonly ReservoirSample? _sample = kind == ProfileKind.Numeric ? new ReservoirSample(sampleSize, random) : null;
    private readonly Dictionary<string, long>? _categories = kind == ProfileKind.Numeric ? null : new Dictionary<string, long>(StringComparer.Ordinal);
    private Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private long _other;

    public long Count { get; private set; }

    public long Missing { get; private set; }

    public void AddNumeric(double value)
    {
        if (_sample is null)
        {
            // A number where the reference holds categories: counted by its text, as the reference would have been.
            AddCategory(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return;
        }

        if (!double.IsFinite(value))
        {
            Missing++;
            return;
        }

        Count++;
        if (_bins is not null)
        {
            _bins[BinOf(value)]++;
        }

        _sample.Add(value);
    }

    public void AddCategory(string? value)
    {
        if (value is null)
        {
            Missing++;
            return;
        }

        if (_categories is null)
        {
            // Text where the reference is numeric: a value the model cannot have been trained on; counted as missing.
            Missing++;
            return;
        }

        Count++;
        if (_categories.TryGetValue(value, out var n))
        {
            _categories[value] = n + 1;
        }
        else if (_categories.Count < maxCategories)
        {
            _categories[value] = 1;
        }
        else
        {
            _other++;
        }
    }

    public void AddCategory(ReadOnlySpan<char> value)
    {
        if (_categories is null)
        {
            Missing++;
            return;
        }

        if (_lookup.Dictionary is null)
        {
            _lookup = _categories.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        Count++;
        if (_lookup.TryGetValue(value, out var n))
        {
            _lookup[value] = n + 1;
        }
        else if (_categories.Count < maxCategories)
        {
            _categories[value.ToString()] = 1;
        }
        else
        {
            _other++;
        }
    }

    public void AddMissing() => Missing++;

    public WindowFeature Build() => new(name, kind, Count, Missing, _bins, _sample?.ToSortedArray(), _categories, _other);

    /// <summary>Same rule as <see cref="NumericSummary.BinOf"/>: the first edge at or above the value closes its bin.</summary>
    private int BinOf(double value)
    {
        int lo = 0, hi = _edges!.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_edges[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
