using System.Text.Json;
using MLOps.Domain.Features;

namespace MLOps.Domain.Training;

/// <summary>One feature column of a training recipe and how it is prepared before the trainer sees it.</summary>
/// <param name="Name">Column name in the dataset; also the name of the exported model's input for this feature.</param>
/// <param name="Kind">Numeric, categorical (one-hot encoded) or boolean (a 0/1 number).</param>
/// <param name="Type">
/// Element type of a numeric feature's model input: float (the default), double, int32 or int64. Categorical
/// features are always string inputs and boolean features bool inputs, so this is only given for numeric ones.
/// </param>
/// <param name="Imputation">
/// What replaces missing values. Without it, a missing value in the training data is an error: trees and linear
/// models treat NaN differently in ML.NET and ONNX Runtime, so the recipe must say what it means.
/// Categorical features without it encode a missing (empty) value as all zeros, like an unseen category.
/// </param>
/// <param name="FillValue">The replacement for <see cref="ImputationStrategy.Constant"/>: a number, string or bool matching the kind.</param>
public sealed record RecipeFeature(
    string Name,
    FeatureKind Kind,
    FeatureType? Type = null,
    ImputationStrategy? Imputation = null,
    JsonElement? FillValue = null)
{
    /// <summary>The ONNX input element type this feature is served with.</summary>
    public FeatureType InputType => Kind switch
    {
        FeatureKind.Categorical => FeatureType.String,
        FeatureKind.Boolean => FeatureType.Bool,
        _ => Type ?? FeatureType.Float,
    };
}
