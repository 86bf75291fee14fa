using MLOps.Domain.Registry;

namespace MLOps.Training.Synthetic;

/// <summary>Knobs of a generated dataset: size, feature mix, signal, noise, missing values and class balance.</summary>
public sealed record SyntheticDatasetOptions
{
    public ModelTask Task { get; init; } = ModelTask.BinaryClassification;

    public int Rows { get; init; } = 5_000;

    public int NumericFeatures { get; init; } = 4;

    public int CategoricalFeatures { get; init; } = 1;

    public int BooleanFeatures { get; init; } = 1;

    /// <summary>Distinct values of each categorical feature (skewed: the first ones are the most common).</summary>
    public int CategoriesPerFeature { get; init; } = 4;

    /// <summary>Standard deviation of the noise added to the latent signal (whose own standard deviation is about 1).</summary>
    public double Noise { get; init; } = 0.3;

    /// <summary>Share of numeric and categorical values left out (NaN / null), drawn independently per value.</summary>
    public double MissingShare { get; init; }

    /// <summary>Binary: share of positive rows (0.5 is balanced; 0.05 is heavily imbalanced).</summary>
    public double PositiveShare { get; init; } = 0.5;

    /// <summary>Multiclass: number of classes; their labels are "class_0", "class_1", ...</summary>
    public int Classes { get; init; } = 3;

    /// <summary>Regression: counts drawn from a Poisson distribution with mean exp(signal) instead of a continuous value.</summary>
    public bool CountLabels { get; init; }

    public int Seed { get; init; } = 42;

    /// <summary>Checks the knobs; the messages name the knob.</summary>
    public void Validate()
    {
        if (Rows < 1 || Rows > 50_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Rows), Rows, "Rows must be between 1 and 50,000,000.");
        }

        if (NumericFeatures < 0 || CategoricalFeatures < 0 || BooleanFeatures < 0 || NumericFeatures + CategoricalFeatures + BooleanFeatures == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(NumericFeatures), "Feature counts must be zero or more, and at least one feature is needed.");
        }

        if (CategoriesPerFeature is < 2 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(CategoriesPerFeature), CategoriesPerFeature, "Between 2 and 1000 categories per feature.");
        }

        if (Noise < 0 || MissingShare is < 0 or >= 1 || PositiveShare is <= 0 or >= 1 || Classes is < 2 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(Noise), "Noise >= 0, missing share in [0, 1), positive share in (0, 1), classes 2-100.");
        }
    }
}
