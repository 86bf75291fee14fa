using System.Collections.ObjectModel;

namespace MLOps.Functions.Scoring;

/// <summary>What a model said about a batch, copied out of native memory, row by row.</summary>
public sealed class ScoreResult
{
    public required int Rows { get; init; }

    /// <summary>Predicted class per row when the label is an integer.</summary>
    public long[]? IntLabels { get; init; }

    /// <summary>Predicted class per row when the label is a string.</summary>
    public string[]? StringLabels { get; init; }

    /// <summary>Row-major [Rows, ClassNames.Count] class probabilities.</summary>
    public float[]? Probabilities { get; init; }

    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>Regression output per row.</summary>
    public double[]? Values { get; init; }

    /// <summary>Outputs that are neither label, probabilities nor value: per output, one value per row.</summary>
    public IReadOnlyDictionary<string, object?[]> OtherOutputs { get; init; } = ReadOnlyDictionary<string, object?[]>.Empty;
}
