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

    /// <summary>Execution provider: Cpu, or Cuda on a GPU host with the GPU build of ONNX Runtime.</summary>
    [RegularExpression("^(Cpu|Cuda)$")]
    public string ExecutionProvider { get; set; } = "Cpu";
}
