using MLOps.Domain.Registry;

namespace MLOps.Training.Pipeline;

/// <summary>What ML.NET predicts for each row of a dataset, with the true label where the dataset has it, for evaluation and parity checks.</summary>
/// <param name="Task">The model's task.</param>
/// <param name="ClassLabels">Class names in probability order (binary: "0", "1").</param>
/// <param name="PredictedClass">Classifiers: index into <paramref name="ClassLabels"/>.</param>
/// <param name="Probabilities">Classifiers: one probability per class per row (binary: [1 - p, p]).</param>
/// <param name="Scores">Binary: the raw margin before calibration (the label is score &gt; 0). Regression: the predicted value.</param>
/// <param name="ActualClass">Classifiers: the true class index, or -1 where the label is unknown to the model.</param>
/// <param name="ActualValue">Regression: the true value.</param>
public sealed record ModelPredictions(
    ModelTask Task,
    IReadOnlyList<string> ClassLabels,
    int[]? PredictedClass,
    float[][]? Probabilities,
    float[]? Scores,
    int[]? ActualClass,
    float[]? ActualValue)
{
    public int Count => PredictedClass?.Length ?? Scores?.Length ?? 0;
}
