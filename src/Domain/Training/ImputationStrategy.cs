namespace MLOps.Domain.Training;

/// <summary>What replaces a missing value of a feature, in training and in the exported model alike.</summary>
public enum ImputationStrategy
{
    /// <summary>The mean of the training rows (numeric features).</summary>
    Mean,

    /// <summary>The median of the training rows (numeric features).</summary>
    Median,

    /// <summary>The most frequent value of the training rows.</summary>
    MostFrequent,

    /// <summary>The recipe's <see cref="RecipeFeature.FillValue"/>.</summary>
    Constant,
}
