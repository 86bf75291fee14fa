namespace MLOps.Domain.Training;

/// <summary>The model family a trainer produces; it decides the preprocessing and how the model is exported.</summary>
public enum TrainerFamily
{
    /// <summary>Weights and a bias (logistic, Poisson, maximum entropy, SDCA): features are min-max normalised first.</summary>
    Linear,

    /// <summary>Gradient-boosted decision trees (LightGBM, FastTree): no normalisation; missing values must be imputed.</summary>
    Trees,
}
