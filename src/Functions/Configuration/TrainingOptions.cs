using System.ComponentModel.DataAnnotations;

namespace MLOps.Functions.Configuration;

/// <summary>Limits and behaviour of training jobs.</summary>
public sealed class TrainingOptions
{
    public const string SectionName = "MLOps:Training";

    /// <summary>The app setting that names the job queue, as the queue trigger reads it (<c>%TrainingQueue%</c>).</summary>
    public const string QueueSetting = "TrainingQueue";

    public const string DefaultQueueName = "training-jobs";

    /// <summary>Largest body of a training request (the recipe and gates).</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 64 * 1024;

    /// <summary>Largest dataset file a job reads; larger files are refused up front with 413.</summary>
    [Range(1024, 64L * 1024 * 1024 * 1024)]
    public long MaxDatasetBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Rows checked against the recipe before answering 202; the rest are checked by the job's first pass.</summary>
    [Range(1, 1_000_000)]
    public int UpfrontRows { get; set; } = 1000;

    /// <summary>Most distinct labels a multiclass dataset may have.</summary>
    [Range(2, 10_000)]
    public int MaxClasses { get; set; } = 1000;

    /// <summary>Fewest rows a dataset needs: a holdout of a handful of rows measures nothing.</summary>
    [Range(10, 1_000_000)]
    public int MinRows { get; set; } = 50;

    /// <summary>Single-row scoring calls timed for the p95 latency gate (after as many warm-up calls as a tenth of it).</summary>
    [Range(20, 100_000)]
    public int LatencySamples { get; set; } = 300;

    /// <summary>Rows scored per ONNX Runtime call when evaluating a holdout.</summary>
    [Range(1, 1_000_000)]
    public int EvaluationBatchRows { get; set; } = 4096;

    /// <summary>
    /// Largest size of the typed train columns held in memory for ML.NET (about 4 bytes per numeric cell); a larger
    /// train set is streamed from the blob on every pass ML.NET makes instead, which is several times slower.
    /// </summary>
    [Range(0, 64L * 1024 * 1024 * 1024)]
    public long InMemoryTrainingBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Times a job is attempted before it is failed for good (the queue trigger's maxDequeueCount).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;
}
