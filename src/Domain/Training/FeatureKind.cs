namespace MLOps.Domain.Training;

/// <summary>How a training recipe treats a feature column: as a number, a category to one-hot encode, or a 0/1 flag.</summary>
public enum FeatureKind
{
    Numeric,
    Categorical,
    Boolean,
}
