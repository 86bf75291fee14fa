namespace MLOps.Domain.Registry;

/// <summary>What kind of prediction a model makes; it decides how outputs are read as labels and probabilities.</summary>
public enum ModelTask
{
    Unspecified,
    BinaryClassification,
    MulticlassClassification,
    Regression,
}
