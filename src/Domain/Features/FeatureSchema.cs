using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using MLOps.Domain.Problems;

namespace MLOps.Domain.Features;

/// <summary>The features a model version takes, in order, and how they reach the model's inputs.</summary>
/// <remarks>
/// Two bindings exist because both are common in exported models: one ONNX input per feature
/// (shape [N,1], as skl2onnx and our exporter emit for mixed types), or every numeric feature
/// packed in order into one [N,F] input (<see cref="PackedInput"/>).
/// </remarks>
public sealed partial record FeatureSchema(IReadOnlyList<FeatureSpec> Features, string? PackedInput = null)
{
    public const int MaxFeatures = 2048;
    public const int MaxCategories = 10_000;

    private Dictionary<string, int>? _index;
    private byte[][]? _utf8Names;
    private byte[][]?[]? _utf8Categories;

    /// <summary>Position of each feature by name, for record parsing.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, int> Index =>
        _index ??= Features.Select((f, i) => (f.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);

    /// <summary>Feature names as UTF-8, so record parsing can match JSON property names without allocating.</summary>
    [JsonIgnore]
    internal byte[][] Utf8Names => _utf8Names ??= Features.Select(f => System.Text.Encoding.UTF8.GetBytes(f.Name)).ToArray();

    /// <summary>Each string feature's categories as UTF-8 (null where any string is accepted).</summary>
    [JsonIgnore]
    internal byte[][]?[] Utf8Categories => _utf8Categories ??= Features
        .Select(f => f.Categories?.Select(c => System.Text.Encoding.UTF8.GetBytes(c)).ToArray())
        .ToArray();

    /// <summary>Checks the schema on its own: names, types, ranges and categories make sense.</summary>
    public IReadOnlyList<ProblemError> Check()
    {
        var errors = new List<ProblemError>();
        if (Features.Count == 0)
        {
            errors.Add(new("features", null, "The feature schema lists no features."));
        }

        if (Features.Count > MaxFeatures)
        {
            errors.Add(new("features", null, $"The feature schema lists {Features.Count} features; at most {MaxFeatures} are allowed."));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Features.Count; i++)
        {
            var f = Features[i];
            var field = $"features[{i}]";
            if (string.IsNullOrEmpty(f.Name) || !FeatureNamePattern().IsMatch(f.Name))
            {
                errors.Add(new(field + ".name", null, "A feature name must be 1-128 characters of letters, digits, '_', '.', '-' or ' '."));
                continue;
            }

            if (!seen.Add(f.Name))
            {
                errors.Add(new(field + ".name", null, $"Feature '{f.Name}' is listed twice."));
            }

            if ((f.Min is not null || f.Max is not null) && !f.Type.IsNumeric())
            {
                errors.Add(new(field, null, $"Feature '{f.Name}' is {f.Type.ToName()}; min and max apply to numeric features only."));
            }

            if (f.Min is { } min && f.Max is { } max && min > max)
            {
                errors.Add(new(field, null, $"Feature '{f.Name}' has min {min} greater than max {max}."));
            }

            if ((f.Min is { } a && !double.IsFinite(a)) || (f.Max is { } b && !double.IsFinite(b)))
            {
                errors.Add(new(field, null, $"Feature '{f.Name}' has a min or max that is not a finite number."));
            }

            if (f.Categories is not null)
            {
                if (f.Type != FeatureType.String)
                {
                    errors.Add(new(field, null, $"Feature '{f.Name}' is {f.Type.ToName()}; categories apply to string features only."));
                }
                else if (f.Categories.Count == 0 || f.Categories.Count > MaxCategories)
                {
                    errors.Add(new(field, null, $"Feature '{f.Name}' must list between 1 and {MaxCategories} categories."));
                }
                else if (f.Categories.Distinct(StringComparer.Ordinal).Count() != f.Categories.Count)
                {
                    errors.Add(new(field, null, $"Feature '{f.Name}' lists a category twice."));
                }
            }
        }

        if (PackedInput is not null && Features.Any(f => f.Type == FeatureType.String))
        {
            errors.Add(new("input", null, "Features packed into one input must be numeric or bool; use one input per feature for strings."));
        }

        return errors;
    }

    /// <summary>Whether a name can be a feature (and so an ONNX input) name: 1-128 letters, digits, '_', '.', '-' or ' '.</summary>
    public static bool IsValidFeatureName(string? name) => !string.IsNullOrEmpty(name) && FeatureNamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9_.\\- ]{1,128}$")]
    private static partial Regex FeatureNamePattern();
}
