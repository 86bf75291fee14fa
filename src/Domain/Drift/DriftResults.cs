using MLOps.Domain.Profiles;

namespace MLOps.Domain.Drift;

/// <summary>Data drift over all features: each feature's verdict, and whether enough of them drifted to flag the dataset.</summary>
public sealed record DataDriftResult(
    IReadOnlyList<FeatureDrift> Features,
    int CheckedFeatures,
    int DriftedFeatures,
    double DriftedShare,
    double DatasetDriftShare,
    bool DatasetDrift);

/// <summary>Prediction drift: the distribution of predicted labels and of scores against the holdout's.</summary>
public sealed record PredictionDriftResult(FeatureDrift? Labels, FeatureDrift? Scores, bool Drifted)
{
    /// <summary>Binary classification: the class whose probability the scores are (see <see cref="Profiles.PositiveClass"/>).</summary>
    public string? PositiveClass { get; init; }

    /// <summary>What "prediction.score" is for this model, in words.</summary>
    public string? ScoreMeaning { get; init; }
}

/// <summary>One feature's check: the test used, its score against the threshold, the verdict, and PSI alongside.</summary>
public sealed record FeatureDrift
{
    public required string Feature { get; init; }

    public required ProfileKind Kind { get; init; }

    public required FeatureDriftStatus Status { get; init; }

    public DriftMethod? Method { get; init; }

    /// <summary>What is compared with the threshold: the p-value for tests, the distance otherwise.</summary>
    public double? Score { get; init; }

    public double? Threshold { get; init; }

    /// <summary>The test statistic (KS D, chi-square, z) or the distance.</summary>
    public double? Statistic { get; init; }

    public double? PValue { get; init; }

    /// <summary>For KS: whether the p-value is exact or asymptotic.</summary>
    public KsMethod? KsMethod { get; init; }

    public bool Drifted { get; init; }

    /// <summary>Population stability index over the reference bins or categories, always reported.</summary>
    public double? Psi { get; init; }

    public PsiLevel? PsiLevel { get; init; }

    public long ReferenceCount { get; init; }

    public long CurrentCount { get; init; }

    public double ReferenceMissingShare { get; init; }

    public double CurrentMissingShare { get; init; }

    /// <summary>Categories in the window that the reference never saw (first 20).</summary>
    public IReadOnlyList<string>? NewCategories { get; init; }

    /// <summary>Reference and current shares per bin or category, for the report's charts.</summary>
    public DriftHistogram? Histogram { get; init; }

    /// <summary>Why the feature was not checked, when it was not.</summary>
    public string? Note { get; init; }
}

/// <summary>Shares per bin (numeric) or category, reference and current side by side.</summary>
public sealed record DriftHistogram(IReadOnlyList<string> Bins, IReadOnlyList<double> Reference, IReadOnlyList<double> Current);

public enum FeatureDriftStatus
{
    Checked,
    InsufficientData,
    NoReference,
    Disabled,
    Misconfigured,
}

/// <summary>PSI's conventional reading: below 0.1 no change, 0.1 to 0.25 moderate, above 0.25 significant.</summary>
public enum PsiLevel
{
    None,
    Moderate,
    Significant,
}
