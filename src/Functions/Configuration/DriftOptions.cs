using System.ComponentModel.DataAnnotations;

namespace MLOps.Functions.Configuration;

/// <summary>App-wide limits of drift checks and feedback; per-model thresholds and windows are in each model's drift settings.</summary>
public sealed class DriftOptions
{
    public const string SectionName = "MLOps:Drift";

    /// <summary>Values kept per numeric feature of a window for KS and Wasserstein (a uniform reservoir sample); bins and PSI use every row.</summary>
    [Range(100, 10_000_000)]
    public int WindowSampleSize { get; set; } = 50_000;

    /// <summary>Distinct values counted per categorical feature of a window before the rest go to "(other)".</summary>
    [Range(10, 100_000)]
    public int WindowMaxCategories { get; set; } = 1_000;

    /// <summary>Previous runs drawn in each feature's score-over-time chart.</summary>
    [Range(1, 1000)]
    public int ChartHistoryRuns { get; set; } = 96;

    /// <summary>The late-label limit: feedback for a prediction older than this is refused.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan FeedbackMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Most feedback records per request; at most 100, so one request is one atomic table transaction.</summary>
    [Range(1, 100)]
    public int MaxFeedbackRecords { get; set; } = 100;
}
