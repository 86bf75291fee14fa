using MLOps.Domain.Registry;

namespace MLOps.Domain.Profiles;

/// <summary>
/// What a model's training-time data looked like, kept with the model version so that drift checks and data
/// validation compare new data against it without ever re-reading the training set.
/// </summary>
/// <remarks>
/// Built in one streaming pass by <see cref="ReferenceProfileBuilder"/>. Numeric features keep quantile bins, moments and
/// a bounded uniform sample (for KS and Wasserstein); categorical and boolean features keep value counts. The cost of
/// a drift check is therefore proportional to the live window, never to the training set.
/// </remarks>
public sealed record ReferenceProfile
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Rows the profile was built from (including rows with missing values).</summary>
    public required long Rows { get; init; }

    /// <summary>One profile per feature, in the order of the model's feature schema.</summary>
    public required IReadOnlyList<FeatureProfile> Features { get; init; }

    /// <summary>The distribution of the model's outputs on the holdout set; null when the profile describes data only.</summary>
    public PredictionProfile? Predictions { get; init; }

    /// <summary>The dataset the profile was built from (URI and SHA-256), for lineage.</summary>
    public string? DatasetUri { get; init; }

    public string? DatasetSha256 { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The profile of the feature called <paramref name="name"/>, or null.</summary>
    public FeatureProfile? Feature(string name) => Features.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));
}

/// <summary>The profile of one feature column.</summary>
public sealed record FeatureProfile
{
    public required string Name { get; init; }

    public required ProfileKind Kind { get; init; }

    /// <summary>Rows with a value.</summary>
    public required long Count { get; init; }

    /// <summary>Rows where the value was missing (null, empty, NaN).</summary>
    public long Missing { get; init; }

    /// <summary>Set for <see cref="ProfileKind.Numeric"/>.</summary>
    public NumericSummary? Numeric { get; init; }

    /// <summary>Set for <see cref="ProfileKind.Categorical"/> and <see cref="ProfileKind.Binary"/> (keys "true"/"false").</summary>
    public CategoricalSummary? Categorical { get; init; }

    /// <summary>Share of rows with a missing value.</summary>
    public double MissingFraction => Count + Missing == 0 ? 0 : (double)Missing / (Count + Missing);
}

/// <summary>How a feature's distribution is summarised and, by default, which drift test applies to it.</summary>
public enum ProfileKind
{
    Numeric,
    Categorical,
    Binary,
}

/// <summary>The distribution of a numeric column.</summary>
/// <remarks>
/// Bins are open-ended at both sides: bin 0 is (-inf, BinEdges[0]], bin i is (BinEdges[i-1], BinEdges[i]], and the last
/// bin is (BinEdges[^1], +inf). So a live value outside the training range still lands in a bin, which PSI needs.
/// <see cref="BinCounts"/> are exact when every value fitted in the sample, and otherwise the sample's shares scaled to
/// <see cref="FeatureProfile.Count"/> (the sample is uniform, so the shares are unbiased estimates).
/// </remarks>
public sealed record NumericSummary
{
    public required double Min { get; init; }

    public required double Max { get; init; }

    public required double Mean { get; init; }

    /// <summary>Sample standard deviation (n - 1).</summary>
    public required double StdDev { get; init; }

    /// <summary>Interior cut points, strictly ascending; there are <c>BinEdges.Count + 1</c> bins.</summary>
    public required IReadOnlyList<double> BinEdges { get; init; }

    public required IReadOnlyList<long> BinCounts { get; init; }

    /// <summary>A uniform random sample of the values (reservoir sampling, seeded), sorted ascending.</summary>
    public required IReadOnlyList<double> Sample { get; init; }

    /// <summary>The bin a value falls in, by the rule in the remarks.</summary>
    public int BinOf(double value)
    {
        // First edge >= value: values equal to an edge belong to the bin that edge closes.
        int lo = 0, hi = BinEdges.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (BinEdges[mid] < value)
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

/// <summary>Value counts of a categorical (or boolean) column.</summary>
public sealed record CategoricalSummary
{
    /// <summary>Count per value, for the first distinct values seen up to the builder's cap.</summary>
    public required IReadOnlyDictionary<string, long> Counts { get; init; }

    /// <summary>Rows whose value was not kept in <see cref="Counts"/> because the cap was reached.</summary>
    public long OtherCount { get; init; }
}

/// <summary>The distribution of a model's outputs on its holdout set, for prediction drift.</summary>
/// <remarks>
/// What a score is, by task: binary classification, the probability of the positive class (<see cref="PositiveClass"/>,
/// chosen by <see cref="Profiles.PositiveClass"/>'s rule: the class named "1", "true" or "True", else the last class in
/// the model's output order); multiclass, the probability of the top class; regression, the predicted value. Whoever
/// writes a profile (the reference-profile API, the training pipeline through
/// <see cref="ReferenceProfileBuilder.AddPrediction"/>) and whoever reads the log for a drift check applies that same
/// rule, so both sides score the same class.
/// </remarks>
public sealed record PredictionProfile
{
    public required ModelTask Task { get; init; }

    /// <summary>Predicted label counts (classification).</summary>
    public CategoricalSummary? Labels { get; init; }

    /// <summary>
    /// The score distribution: the probability of <see cref="PositiveClass"/> (binary), the top-class probability
    /// (multiclass), or the predicted value (regression).
    /// </summary>
    public NumericSummary? Scores { get; init; }

    /// <summary>
    /// Binary classification: the class whose probability <see cref="Scores"/> holds. Null for other tasks, and in
    /// profiles written without it; a drift check then takes the positive class of the version's class labels by the
    /// same rule (see the remarks).
    /// </summary>
    public string? PositiveClass { get; init; }
}
