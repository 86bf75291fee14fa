using System.Text.RegularExpressions;
using MLOps.Domain.Problems;

namespace MLOps.Domain.Registry;

/// <summary>The registry's naming and lifecycle rules.</summary>
public static partial class RegistryRules
{
    public const int MaxTags = 50;
    public const int MaxReasonLength = 1000;

    /// <summary>The alias requests resolve when they name neither a version nor an alias.</summary>
    public const string DefaultAlias = "champion";

    public static void EnsureModelName(string? name)
    {
        if (name is null || !ModelNamePattern().IsMatch(name))
        {
            throw MLOpsException.Validation(
                $"'{ProblemText.Clip(name)}' is not a valid model name: use 2-63 lowercase letters, digits, '-' or '_', starting with a letter or digit.",
                [new("name", null, "Invalid model name.")]);
        }
    }

    public static void EnsureAliasName(string? alias)
    {
        if (alias is null || !AliasPattern().IsMatch(alias))
        {
            throw MLOpsException.Validation(
                $"'{ProblemText.Clip(alias)}' is not a valid alias: use 1-40 lowercase letters, digits, '-' or '_', starting with a letter.",
                [new("alias", null, "Invalid alias name.")]);
        }
    }

    public const int MaxDescriptionLength = 4000;

    /// <summary>Problems with a description and tags: at most 4000 characters, 50 tags of 1-128 characters with values up to 512.</summary>
    public static IReadOnlyList<ProblemError> CheckDescriptionAndTags(string? description, IReadOnlyDictionary<string, string?>? tags)
    {
        var errors = new List<ProblemError>();
        if (description is { Length: > MaxDescriptionLength })
        {
            errors.Add(new("description", null, $"At most {MaxDescriptionLength} characters."));
        }

        if (tags is not null)
        {
            if (tags.Count > MaxTags)
            {
                errors.Add(new("tags", null, $"At most {MaxTags} tags."));
            }

            foreach (var (key, value) in tags)
            {
                if (key.Length is 0 or > 128 || value is null || value.Length > 512)
                {
                    errors.Add(new($"tags.{ProblemText.Clip(key)}", null, "Tag names must be 1-128 characters and values at most 512 characters."));
                }
            }
        }

        return errors;
    }

    public static void EnsureReason(string? reason)
    {
        if (reason is { Length: > MaxReasonLength })
        {
            throw MLOpsException.Validation($"The reason is {reason.Length} characters long; at most {MaxReasonLength} are accepted.", [new("reason", null, "Too long.")]);
        }
    }

    /// <summary>An archived version is kept for lineage and audit but never serves traffic again.</summary>
    public static void EnsureCanTakeAlias(ModelVersion version, string alias)
    {
        if (version.Status == ModelVersionStatus.Archived)
        {
            throw MLOpsException.Conflict($"Version {version.Version} of '{version.Model}' is archived and cannot take alias '{alias}'.");
        }
    }

    /// <summary>Archiving a version that an alias points to would leave that alias serving an archived model.</summary>
    public static void EnsureCanArchive(ModelVersion version, IReadOnlyDictionary<string, int> aliases)
    {
        if (version.Status == ModelVersionStatus.Archived)
        {
            throw MLOpsException.Conflict($"Version {version.Version} of '{version.Model}' is already archived.");
        }

        var holding = aliases.Where(a => a.Value == version.Version).Select(a => a.Key).Order(StringComparer.Ordinal).ToList();
        if (holding.Count > 0)
        {
            throw MLOpsException.Conflict($"Version {version.Version} of '{version.Model}' holds alias(es) {string.Join(", ", holding)}; move them before archiving.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{1,62}$")]
    private static partial Regex ModelNamePattern();

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,39}$")]
    private static partial Regex AliasPattern();
}
