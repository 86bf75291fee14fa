using Microsoft.ML.Data;
using MLOps.Domain.Registry;
using MLOps.Training.Synthetic;

namespace MLOps.Benchmarks.Training;

/// <summary>The training benchmark's data: 1,000,000 generated rows × 20 features (14 numeric, 3 categorical, 3 flags), binary label.</summary>
/// <remarks>The holdout is the next 100,000 rows of the same generator (same seed, so the same concept).</remarks>
internal static class TrainingWorkload
{
    public const int TrainRows = 1_000_000;
    public const int HoldoutRows = 100_000;

    public static SyntheticDataset Dataset(int trainRows = TrainRows, int holdoutRows = HoldoutRows) => new(new SyntheticDatasetOptions
    {
        Task = ModelTask.BinaryClassification,
        Rows = trainRows + holdoutRows,
        NumericFeatures = 14,
        CategoricalFeatures = 3,
        BooleanFeatures = 3,
        CategoriesPerFeature = 8,
        Noise = 0.5,
        MissingShare = 0.02,
        PositiveShare = 0.3,
        Seed = 2026,
    });
}

/// <summary>One row of <see cref="TrainingWorkload"/> as ML.NET's PredictionEngine reads it (names match the generated columns).</summary>
#pragma warning disable CA1051, CS0649, IDE1006 // ML.NET binds fields by column name.
internal sealed class WorkloadRow
{
    public float num_0, num_1, num_2, num_3, num_4, num_5, num_6, num_7, num_8, num_9, num_10, num_11, num_12, num_13;
    public string cat_0 = string.Empty, cat_1 = string.Empty, cat_2 = string.Empty;
    public bool flag_0, flag_1, flag_2;
    public bool label;
}
#pragma warning restore CA1051, CS0649, IDE1006

/// <summary>What ML.NET's binary scorer adds to a row.</summary>
internal sealed class WorkloadPrediction
{
    public float Score { get; set; }

    public float Probability { get; set; }

    public bool PredictedLabel { get; set; }
}
