using MLOps.Training.Pipeline;

namespace MLOps.Functions.Training;

/// <summary>Exports a trained model with src/Training's exporter (wired when the exporter lands on this branch).</summary>
internal static class OnnxExport
{
    public static byte[] Export(TrainedModel model) =>
        throw new NotSupportedException($"The ONNX exporter for {model.Trainer.Id} is not on this branch yet.");
}
