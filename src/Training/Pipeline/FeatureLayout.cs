using MLOps.Domain.Training;

namespace MLOps.Training.Pipeline;

/// <summary>
/// Where each recipe feature lands in the feature vector the trainer saw: first every numeric and boolean feature
/// (one slot each, recipe order), then each categorical feature's one-hot block (recipe order).
/// </summary>
/// <remarks>The exporter rebuilds exactly this vector in ONNX, so tree split indexes and linear weights line up.</remarks>
public sealed record FeatureLayout(IReadOnlyList<NumericSlot> Numeric, IReadOnlyList<CategoricalBlock> Categorical)
{
    /// <summary>The length of the feature vector.</summary>
    public int Width => Numeric.Count + Categorical.Sum(c => c.Categories.Count);

    /// <summary>A readable name for a slot, such as "age" or "plan=pro", for logs and model cards.</summary>
    public string SlotName(int slot)
    {
        if (slot < Numeric.Count)
        {
            return Numeric[slot].Feature.Name;
        }

        var offset = Numeric.Count;
        foreach (var block in Categorical)
        {
            if (slot < offset + block.Categories.Count)
            {
                return $"{block.Feature.Name}={block.Categories[slot - offset]}";
            }

            offset += block.Categories.Count;
        }

        throw new ArgumentOutOfRangeException(nameof(slot));
    }
}

/// <summary>A numeric or boolean feature's slot and the value that replaces a missing one (null: no imputation).</summary>
public sealed record NumericSlot(RecipeFeature Feature, float? Fill);

/// <summary>A categorical feature's one-hot categories in slot order, and the category that replaces a missing (empty) value.</summary>
public sealed record CategoricalBlock(RecipeFeature Feature, IReadOnlyList<string> Categories, string? Fill);
