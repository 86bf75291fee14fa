using System.Text.Json.Serialization;
using MLOps.Domain.Problems;

namespace MLOps.Domain.Drift;

/// <summary>How one model's traffic is checked for drift: the window, the tests, their thresholds, and concept drift.</summary>
/// <remarks>
/// The defaults are the rule the established tools use (Evidently's defaults): with a reference of at most
/// <see cref="SmallReferenceRows"/> rows, p-value tests (KS, chi-square, z) at p &lt; 0.05; above it, distances
/// (normalised Wasserstein, Jensen–Shannon) at ≥ 0.1. The method of each kind of feature can be changed per model
/// (<see cref="Methods"/>), and every method and threshold per feature (<see cref="Features"/>).
/// </remarks>
public sealed record DriftSettings
{
    public static DriftSettings Default { get; } = new();

    /// <summary>Which recent predictions are compared with the reference.</summary>
    public DriftWindow Window { get; init; } = new();

    /// <summary>No check runs on fewer rows than this (per run and per feature); the report says "insufficient data".</summary>
    public int MinWindowRows { get; init; } = 100;

    /// <summary>References of at most this many rows get p-value tests by default; larger ones get distances.</summary>
    public long SmallReferenceRows { get; init; } = 1000;

    public DriftThresholds Thresholds { get; init; } = new();

    /// <summary>The method each kind of feature gets, for small and large references, unless a feature override names one.</summary>
    public DefaultDriftMethods Methods { get; init; } = new();

    /// <summary>Dataset drift is flagged when the share of drifted features reaches this.</summary>
    public double DatasetDriftShare { get; init; } = 0.5;

    /// <summary>Per-feature overrides, by feature name (the reserved names "prediction.label" and "prediction.score" address the outputs).</summary>
    public IReadOnlyDictionary<string, FeatureDriftOverride> Features { get; init; } = new Dictionary<string, FeatureDriftOverride>(StringComparer.Ordinal);

    public ConceptDriftSettings Concept { get; init; } = new();

    /// <summary>Everything wrong with these settings, as problem errors (empty when valid).</summary>
    public IReadOnlyList<ProblemError> Check()
    {
        var errors = new List<ProblemError>();
        Window.Check(errors);
        if (MinWindowRows is < 1 or > 10_000_000)
        {
            errors.Add(new("minWindowRows", null, "Must be between 1 and 10,000,000."));
        }

        if (SmallReferenceRows is < 0 or > 1_000_000_000)
        {
            errors.Add(new("smallReferenceRows", null, "Must be between 0 and 1,000,000,000."));
        }

        if (!(DatasetDriftShare is > 0 and <= 1))
        {
            errors.Add(new("datasetDriftShare", null, "Must be above 0 and at most 1."));
        }

        Thresholds.Check(errors, "thresholds");
        Methods.Check(errors);
        if (Features.Count > 2048)
        {
            errors.Add(new("features", null, "At most 2048 feature overrides."));
        }

        foreach (var (name, feature) in Features)
        {
            if (string.IsNullOrEmpty(name) || name.Length > 128)
            {
                errors.Add(new("features", null, "Feature names must be 1 to 128 characters."));
            }
            else if (feature.Threshold is { } t && !ThresholdFits(feature.Method, t))
            {
                errors.Add(new($"features.{name}.threshold", null, feature.Method is { } m && m.IsPValueTest()
                    ? "A p-value threshold must be above 0 and below 1."
                    : "A threshold must be a finite number above 0."));
            }
        }

        Concept.Check(errors);
        return errors;
    }

    /// <summary>The method and threshold a feature gets: its override, else the default rule for its kind and the reference size.</summary>
    public (DriftMethod Method, double Threshold) MethodFor(string feature, Profiles.ProfileKind kind, long referenceRows)
    {
        var chosen = Methods.For(kind, small: referenceRows <= SmallReferenceRows);

        if (Features.TryGetValue(feature, out var o))
        {
            chosen = o.Method ?? chosen;
            return (chosen, o.Threshold ?? Thresholds.For(chosen));
        }

        return (chosen, Thresholds.For(chosen));
    }

    private static bool ThresholdFits(DriftMethod? method, double threshold) =>
        method is { } m && m.IsPValueTest() ? threshold is > 0 and < 1 : double.IsFinite(threshold) && threshold > 0;
}

/// <summary>The method each kind of feature gets by default: for references of at most <see cref="DriftSettings.SmallReferenceRows"/> rows, and above.</summary>
/// <remarks>
/// The defaults are Evidently's rule. <see cref="DriftMethod.ChiSquareGoodnessOfFit"/> (Evidently's own chi-square) can
/// replace the default homogeneity test for categorical features here; see <see cref="DriftStatistics.ChiSquareGoodnessOfFit"/>
/// for when that is sound.
/// </remarks>
public sealed record DefaultDriftMethods
{
    public DriftMethod SmallNumeric { get; init; } = DriftMethod.KolmogorovSmirnov;

    public DriftMethod SmallCategorical { get; init; } = DriftMethod.ChiSquare;

    public DriftMethod SmallBinary { get; init; } = DriftMethod.ZTest;

    public DriftMethod LargeNumeric { get; init; } = DriftMethod.Wasserstein;

    public DriftMethod LargeCategorical { get; init; } = DriftMethod.JensenShannon;

    public DriftMethod LargeBinary { get; init; } = DriftMethod.JensenShannon;

    public DriftMethod For(Profiles.ProfileKind kind, bool small) => kind switch
    {
        Profiles.ProfileKind.Numeric => small ? SmallNumeric : LargeNumeric,
        Profiles.ProfileKind.Binary => small ? SmallBinary : LargeBinary,
        _ => small ? SmallCategorical : LargeCategorical,
    };

    internal void Check(List<ProblemError> errors)
    {
        foreach (var (name, method, kind) in new[]
        {
            ("smallNumeric", SmallNumeric, Profiles.ProfileKind.Numeric),
            ("smallCategorical", SmallCategorical, Profiles.ProfileKind.Categorical),
            ("smallBinary", SmallBinary, Profiles.ProfileKind.Binary),
            ("largeNumeric", LargeNumeric, Profiles.ProfileKind.Numeric),
            ("largeCategorical", LargeCategorical, Profiles.ProfileKind.Categorical),
            ("largeBinary", LargeBinary, Profiles.ProfileKind.Binary),
        })
        {
            if (!Enum.IsDefined(method) || !method.AppliesTo(kind))
            {
                errors.Add(new($"methods.{name}", null, $"'{DriftAnalyzer.MethodName(method)}' does not apply to {kind.ToString().ToLowerInvariant()} features."));
            }
        }
    }
}

/// <summary>Which predictions a check reads: the last <see cref="Duration"/> (time) or the last <see cref="Rows"/> rows (count).</summary>
public sealed record DriftWindow
{
    public DriftWindowKind Kind { get; init; } = DriftWindowKind.Time;

    /// <summary>For a time window: how far back from the run.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromHours(24);

    /// <summary>For a count window: how many of the newest rows.</summary>
    public int Rows { get; init; } = 10_000;

    /// <summary>A cap on the rows any window reads (newest first), so one run's cost is bounded whatever the traffic.</summary>
    public int MaxRows { get; init; } = 1_000_000;

    /// <summary>A count window looks back at most this far, so a quiet model does not make a run list years of logs.</summary>
    public TimeSpan MaxLookback { get; init; } = TimeSpan.FromDays(30);

    internal void Check(List<ProblemError> errors)
    {
        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromDays(90))
        {
            errors.Add(new("window.duration", null, "Must be above zero and at most 90 days."));
        }

        if (Rows is < 1 or > 10_000_000)
        {
            errors.Add(new("window.rows", null, "Must be between 1 and 10,000,000."));
        }

        if (MaxRows is < 1 or > 10_000_000)
        {
            errors.Add(new("window.maxRows", null, "Must be between 1 and 10,000,000."));
        }

        if (MaxLookback <= TimeSpan.Zero || MaxLookback > TimeSpan.FromDays(365))
        {
            errors.Add(new("window.maxLookback", null, "Must be above zero and at most 365 days."));
        }
    }
}

public enum DriftWindowKind
{
    Time,
    Count,
}

/// <summary>The default threshold of each method: p-value tests flag drift below it, distances at or above it.</summary>
public sealed record DriftThresholds
{
    public double KolmogorovSmirnov { get; init; } = 0.05;

    public double ChiSquare { get; init; } = 0.05;

    /// <summary>The p-value threshold of <see cref="DriftMethod.ChiSquareGoodnessOfFit"/>.</summary>
    public double ChiSquareGof { get; init; } = 0.05;

    public double ZTest { get; init; } = 0.05;

    public double Wasserstein { get; init; } = 0.1;

    public double JensenShannon { get; init; } = 0.1;

    /// <summary>PSI when chosen as the test of a feature; also the "moderate" level every report shows.</summary>
    public double PsiModerate { get; init; } = 0.1;

    /// <summary>PSI's "significant" level, shown in every report.</summary>
    public double PsiSignificant { get; init; } = 0.25;

    public double For(DriftMethod method) => method switch
    {
        DriftMethod.KolmogorovSmirnov => KolmogorovSmirnov,
        DriftMethod.ChiSquare => ChiSquare,
        DriftMethod.ChiSquareGoodnessOfFit => ChiSquareGof,
        DriftMethod.ZTest => ZTest,
        DriftMethod.Wasserstein => Wasserstein,
        DriftMethod.JensenShannon => JensenShannon,
        DriftMethod.Psi => PsiModerate,
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    internal void Check(List<ProblemError> errors, string field)
    {
        foreach (var (name, value) in new[] { ("kolmogorovSmirnov", KolmogorovSmirnov), ("chiSquare", ChiSquare), ("chiSquareGof", ChiSquareGof), ("zTest", ZTest) })
        {
            if (!(value is > 0 and < 1))
            {
                errors.Add(new($"{field}.{name}", null, "A p-value threshold must be above 0 and below 1."));
            }
        }

        foreach (var (name, value) in new[] { ("wasserstein", Wasserstein), ("jensenShannon", JensenShannon), ("psiModerate", PsiModerate), ("psiSignificant", PsiSignificant) })
        {
            if (!double.IsFinite(value) || value <= 0)
            {
                errors.Add(new($"{field}.{name}", null, "A distance threshold must be a finite number above 0."));
            }
        }

        if (PsiSignificant < PsiModerate)
        {
            errors.Add(new($"{field}.psiSignificant", null, "Must not be below psiModerate."));
        }
    }
}

/// <summary>A feature's own test and threshold, or its exclusion from the dataset-drift share.</summary>
public sealed record FeatureDriftOverride
{
    public DriftMethod? Method { get; init; }

    public double? Threshold { get; init; }

    /// <summary>False leaves the feature out of the check entirely.</summary>
    public bool Enabled { get; init; } = true;
}

/// <summary>When ground-truth labels reveal decay: on the newest <see cref="WindowLabels"/> labels, at least <see cref="MinLabels"/>.</summary>
public sealed record ConceptDriftSettings
{
    /// <summary>
    /// The metric whose drop decides decay: accuracy, f1 or auc (classification), mae, rmse or r2 (regression); null picks
    /// accuracy (classification) or MAE (regression). The report shows every metric of the task either way.
    /// </summary>
    public PerformanceMetric? Metric { get; init; }

    /// <summary>No verdict on fewer labels than this.</summary>
    public int MinLabels { get; init; } = 100;

    /// <summary>The rolling window: at most this many of the newest labelled predictions.</summary>
    public int WindowLabels { get; init; } = 1000;

    /// <summary>Decay when the metric is worse than the baseline by more than this, in the metric's own units (absolute).</summary>
    public double MaxDrop { get; init; } = 0.05;

    internal void Check(List<ProblemError> errors)
    {
        if (MinLabels is < 1 or > 1_000_000)
        {
            errors.Add(new("concept.minLabels", null, "Must be between 1 and 1,000,000."));
        }

        if (WindowLabels < MinLabels || WindowLabels > 1_000_000)
        {
            errors.Add(new("concept.windowLabels", null, "Must be at least minLabels and at most 1,000,000."));
        }

        if (Metric is { } metric && !Enum.IsDefined(metric))
        {
            errors.Add(new("concept.metric", null, "Must be accuracy, f1, auc, mae, rmse or r2."));
        }

        if (!double.IsFinite(MaxDrop) || MaxDrop < 0)
        {
            errors.Add(new("concept.maxDrop", null, "Must be a finite number, 0 or more."));
        }
    }
}

/// <summary>The statistical test or distance used for a feature.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DriftMethod>))]
public enum DriftMethod
{
    [JsonStringEnumMemberName("ks")]
    KolmogorovSmirnov,

    [JsonStringEnumMemberName("chiSquare")]
    ChiSquare,

    [JsonStringEnumMemberName("zTest")]
    ZTest,

    [JsonStringEnumMemberName("wasserstein")]
    Wasserstein,

    [JsonStringEnumMemberName("jensenShannon")]
    JensenShannon,

    [JsonStringEnumMemberName("psi")]
    Psi,

    /// <summary>Pearson's chi-square goodness of fit against the reference shares (Evidently's form); see <see cref="DriftStatistics.ChiSquareGoodnessOfFit"/>.</summary>
    [JsonStringEnumMemberName("chiSquareGof")]
    ChiSquareGoodnessOfFit,
}

public static class DriftMethods
{
    /// <summary>True for tests whose score is a p-value (drift below the threshold); false for distances (drift at or above it).</summary>
    public static bool IsPValueTest(this DriftMethod method) =>
        method is DriftMethod.KolmogorovSmirnov or DriftMethod.ChiSquare or DriftMethod.ChiSquareGoodnessOfFit or DriftMethod.ZTest;

    /// <summary>Whether the method can be applied to a feature of this kind.</summary>
    public static bool AppliesTo(this DriftMethod method, Profiles.ProfileKind kind) => method switch
    {
        DriftMethod.KolmogorovSmirnov or DriftMethod.Wasserstein => kind == Profiles.ProfileKind.Numeric,
        DriftMethod.ChiSquare or DriftMethod.ChiSquareGoodnessOfFit => kind != Profiles.ProfileKind.Numeric,
        DriftMethod.ZTest => kind == Profiles.ProfileKind.Binary,
        _ => true,
    };
}
