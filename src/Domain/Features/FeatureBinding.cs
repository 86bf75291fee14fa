using MLOps.Domain.Problems;
using MLOps.Domain.Signatures;

namespace MLOps.Domain.Features;

/// <summary>Checks that a feature schema can feed a model's inputs, and derives a schema when none is given.</summary>
public static class FeatureBinding
{
    /// <summary>The problems that stop <paramref name="schema"/> from feeding <paramref name="signature"/>; empty when it can.</summary>
    public static IReadOnlyList<ProblemError> Check(FeatureSchema schema, ModelSignature signature)
    {
        var errors = new List<ProblemError>();
        if (schema.PackedInput is { } packed)
        {
            var input = signature.Inputs.FirstOrDefault(i => i.Name == packed);
            if (input is null)
            {
                errors.Add(new("input", null, $"The model has no input named '{packed}'. Its inputs are: {Names(signature.Inputs)}."));
                return errors;
            }

            if (!input.IsTensor || input.ElementType is not ("float" or "double"))
            {
                errors.Add(new("input", null, $"Input '{packed}' is {input.Kind} of {input.ElementType}; packed features need a float or double tensor."));
            }
            else if (input.Shape is not { Count: 2 } shape || (shape[1] != -1 && shape[1] != schema.Features.Count))
            {
                errors.Add(new("input", null, $"Input '{packed}' has shape {Shape(input.Shape)}; packing {schema.Features.Count} features needs [N,{schema.Features.Count}]."));
            }

            foreach (var other in signature.Inputs.Where(i => i.Name != packed))
            {
                errors.Add(new("input", null, $"The model also takes input '{other.Name}', which a packed feature schema cannot feed."));
            }

            return errors;
        }

        var byName = signature.Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        for (var i = 0; i < schema.Features.Count; i++)
        {
            var feature = schema.Features[i];
            if (!byName.TryGetValue(feature.Name, out var input))
            {
                errors.Add(new($"features[{i}]", null, $"Feature '{feature.Name}' matches no model input. The model's inputs are: {Names(signature.Inputs)}."));
                continue;
            }

            if (!input.IsTensor || input.ElementType != feature.Type.ToName())
            {
                errors.Add(new($"features[{i}]", null, $"Feature '{feature.Name}' is {feature.Type.ToName()} but the model input is {input.Kind} of {input.ElementType}."));
            }
            else if (!IsColumn(input.Shape))
            {
                errors.Add(new($"features[{i}]", null, $"Model input '{feature.Name}' has shape {Shape(input.Shape)}; a per-feature input must be [N] or [N,1]."));
            }
        }

        var featureNames = schema.Features.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in signature.Inputs.Where(i => !featureNames.Contains(i.Name)))
        {
            errors.Add(new("features", null, $"Model input '{input.Name}' is not fed by any feature."));
        }

        return errors;
    }

    /// <summary>
    /// A schema with one feature per model input, when every input is a column of a supported type;
    /// null otherwise (such a model is still served through the V2 tensor API).
    /// </summary>
    public static FeatureSchema? Derive(ModelSignature signature)
    {
        var features = new List<FeatureSpec>();
        foreach (var input in signature.Inputs)
        {
            if (!input.IsTensor || !IsColumn(input.Shape) || !FeatureTypes.TryParse(input.ElementType, out var type))
            {
                return null;
            }

            features.Add(new FeatureSpec(input.Name, type));
        }

        return features.Count == 0 ? null : new FeatureSchema(features);
    }

    private static bool IsColumn(IReadOnlyList<long>? shape) =>
        shape is { Count: 1 } || (shape is { Count: 2 } && shape[1] is 1 or -1);

    private static string Names(IEnumerable<TensorSpec> specs) => string.Join(", ", specs.Select(s => s.Name));

    private static string Shape(IReadOnlyList<long>? shape) =>
        shape is null ? "unknown" : "[" + string.Join(",", shape.Select(d => d < 0 ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
