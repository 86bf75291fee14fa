using MLOps.Domain.Training;

namespace MLOps.Functions.Training;

/// <summary>Trains a recipe on streamed train rows and exports the model as one ONNX file (the engine of src/Training).</summary>
public interface ICandidateTrainer
{
    /// <param name="trainRows">How many rows each pass yields (from the split).</param>
    /// <param name="rows">Opens a fresh pass over the train rows each time it is called (ML.NET may read several times).</param>
    /// <param name="progress">Fraction done, 0 to 1.</param>
    Task<TrainerOutput> TrainAsync(TrainingRecipe recipe, long trainRows, Func<IEnumerable<RecipeRows>> rows, IProgress<double> progress, CancellationToken cancellationToken);
}

/// <summary>What a trainer hands back.</summary>
/// <param name="Onnx">The exported model: raw feature columns in, label and probabilities (or a value) out.</param>
/// <param name="ClassLabels">The label of each probability column, for classifiers.</param>
/// <param name="Hyperparameters">Every hyperparameter as used (defaults filled in), for lineage and the model card.</param>
public sealed record TrainerOutput(byte[] Onnx, IReadOnlyList<string>? ClassLabels, IReadOnlyDictionary<string, double?> Hyperparameters);
