using System.ComponentModel.DataAnnotations;

namespace MLOps.Functions.Configuration;

/// <summary>Limits of the prediction endpoints.</summary>
public sealed class PredictionOptions
{
    public const string SectionName = "MLOps:Prediction";

    /// <summary>Most rows in one request; more is answered with 413.</summary>
    [Range(1, 1_000_000)]
    public int MaxBatchRows { get; set; } = 1000;

    /// <summary>Largest request body; more is answered with 413.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Threads ONNX Runtime may use inside one scoring call; 0 lets it choose.</summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>
    /// Score concurrent requests for the same version together when every run slot is busy (dynamic batching, as
    /// Triton and KServe do). A request that finds a free slot is scored at once, so an idle server adds no delay.
    /// </summary>
    public bool DynamicBatching { get; set; } = true;

    /// <summary>Most rows scored in one combined run; requests beyond it wait for the next run.</summary>
    [Range(1, 100_000)]
    public int DynamicBatchMaxRows { get; set; } = 256;

    /// <summary>
    /// ONNX Runtime runs of one version at a time before requests are batched; 0 means half the processors (at least
    /// one), leaving the other half to the HTTP work around each prediction.
    /// </summary>
    [Range(0, 1024)]
    public int MaxConcurrentRuns { get; set; }

    /// <summary>Execution provider: Cpu, or Cuda on a GPU host with the GPU build of ONNX Runtime.</summary>
    [RegularExpression("^(Cpu|Cuda)$")]
    public string ExecutionProvider { get; set; } = "Cpu";
}
