using System.Text.Json;
using System.Text.RegularExpressions;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;

namespace MLOps.Functions.Http.Contracts;

/// <summary>The 'metadata' part of a registration, as callers write it.</summary>
public sealed partial record VersionMetadataRequest
{
    public string? Description { get; init; }

    public Dictionary<string, string>? Tags { get; init; }

    public Dictionary<string, double>? Metrics { get; init; }

    public ModelTask? Task { get; init; }

    public List<FeatureRequest>? Features { get; init; }

    /// <summary>When set, the features are packed in order into this one model input.</summary>
    public string? Input { get; init; }

    public LineageRequest? Lineage { get; init; }

    public List<string>? ClassLabels { get; init; }

    /// <summary>Checks everything and maps to the domain; all problems are reported at once.</summary>
    public VersionMetadata ToDomain()
    {
        var errors = new List<ProblemError>();
        if (Description is { Length: > 4000 })
        {
            errors.Add(new("description", null, "At most 4000 characters."));
        }

        if (Tags is { } tags)
        {
            if (tags.Count > RegistryRules.MaxTags)
            {
                errors.Add(new("tags", null, $"At most {RegistryRules.MaxTags} tags."));
            }

            foreach (var (key, value) in tags)
            {
                if (key.Length is 0 or > 128 || value is null || value.Length > 512)
                {
                    errors.Add(new($"tags.{ProblemText.Clip(key)}", null, "Tag names must be 1-128 characters and values at most 512 characters."));
                }
            }
        }

        foreach (var (key, value) in Metrics ?? [])
        {
            if (key.Length is 0 or > 128 || !double.IsFinite(value))
            {
                errors.Add(new($"metrics.{ProblemText.Clip(key)}", null, "Metric names must be 1-128 characters and values finite numbers."));
            }
        }

        var features = new List<FeatureSpec>();
        for (var i = 0; i < (Features?.Count ?? 0); i++)
        {
            var f = Features![i];
            if (f is null)
            {
                errors.Add(new($"features[{i}]", null, "A feature must be an object."));
                continue;
            }

            if (!FeatureTypes.TryParse(f.Type, out var type))
            {
                errors.Add(new($"features[{i}].type", null, $"Unknown type '{ProblemText.Clip(f.Type)}'; use one of {FeatureTypes.AllNames}."));
                continue;
            }

            features.Add(new FeatureSpec(f.Name ?? string.Empty, type, f.Min, f.Max, f.Categories, f.Nullable ?? false));
        }

        FeatureSchema? schema = null;
        if (Features is not null)
        {
            schema = new FeatureSchema(features, Input);
            if (errors.Count == 0)
            {
                errors.AddRange(schema.Check());
            }
        }
        else if (Input is not null)
        {
            errors.Add(new("input", null, "'input' packs the listed features into one model input, so 'features' must be given too."));
        }

        if (Lineage?.DatasetSha256 is { } sha && !Sha256Pattern().IsMatch(sha))
        {
            errors.Add(new("lineage.datasetSha256", null, "Must be 64 hexadecimal characters."));
        }

        if (Lineage?.ParentVersion is < 1)
        {
            errors.Add(new("lineage.parentVersion", null, "Must be a version number (1 or more)."));
        }

        if (ClassLabels is { } labels && (labels.Count is 0 or > 10_000 || labels.Any(string.IsNullOrEmpty)))
        {
            errors.Add(new("classLabels", null, "Must list 1 to 10000 non-empty labels."));
        }

        if (errors.Count > 0)
        {
            throw MLOpsException.Validation(errors.Count == 1 ? $"The metadata is invalid: {errors[0].Message}" : $"The metadata has {errors.Count} problems.", errors);
        }

        return new VersionMetadata
        {
            Description = Description,
            Tags = Tags ?? [],
            Metrics = Metrics ?? [],
            Task = Task ?? ModelTask.Unspecified,
            Features = schema,
            Lineage = new Lineage(Lineage?.DatasetUri, Lineage?.DatasetSha256?.ToLowerInvariant(), Lineage?.TrainingParameters, Lineage?.CodeVersion, Lineage?.ParentVersion),
            ClassLabels = ClassLabels,
        };
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();
}

public sealed record FeatureRequest
{
    public string? Name { get; init; }

    public string? Type { get; init; }

    public double? Min { get; init; }

    public double? Max { get; init; }

    public List<string>? Categories { get; init; }

    public bool? Nullable { get; init; }
}

public sealed record LineageRequest
{
    public string? DatasetUri { get; init; }

    public string? DatasetSha256 { get; init; }

    public Dictionary<string, JsonElement>? TrainingParameters { get; init; }

    public string? CodeVersion { get; init; }

    public int? ParentVersion { get; init; }
}
