using MLOps.Domain.Features;
using MLOps.Domain.Profiles;

namespace MLOps.Domain.Validation;

/// <summary>The rules a dataset of one model is checked against: derived from the model, then the user's on top.</summary>
public sealed record ExpectationSuite(IReadOnlyList<Expectation> Rules, ModelExpectations Settings, string? LabelColumn)
{
    /// <summary>How far past the training range a derived range reaches, as a share of that range.</summary>
    public const double ProfileRangeSlack = 0.1;

    /// <summary>The share of rows a profile-derived range tolerates outside it (new extremes are expected, a shift is not).</summary>
    public const double ProfileRangeMostly = 0.99;

    /// <summary>The share of unseen categories tolerated when the categories come from the profile rather than the schema.</summary>
    public const double ProfileUnseenFraction = 0.05;

    /// <summary>
    /// Derives the suite: per feature of <paramref name="schema"/> the column must be present and of its type, with the
    /// schema's range and categories; the profile adds a null-fraction bound (training share × 2 + 5 points), a range
    /// (training min/max widened by 10%, mostly 0.99) and categories (unseen at most 5%) where the schema has none. Then
    /// the label column and the user's rules, each replacing a derived rule with the same key.
    /// </summary>
    /// <param name="schema">The champion version's feature schema; null when the model has no version.</param>
    /// <param name="profile">The champion's reference profile; null when it has none.</param>
    /// <param name="settings">The user's expectations for the model.</param>
    /// <param name="labelColumn">The label column to require (already resolved from settings and model tags).</param>
    public static ExpectationSuite Derive(FeatureSchema? schema, ReferenceProfile? profile, ModelExpectations settings, string? labelColumn)
    {
        var rules = new List<Expectation>
        {
            new() { Kind = ExpectationKind.WellFormedRows, Source = ExpectationSource.Format },
        };

        if (settings.DeriveFromModel && schema is not null)
        {
            foreach (var feature in schema.Features)
            {
                rules.AddRange(FromFeature(feature, profile?.Feature(feature.Name)));
            }
        }

        if (settings.RequireLabel && labelColumn is not null)
        {
            rules.Add(new() { Kind = ExpectationKind.LabelPresent, Column = labelColumn, MaxFraction = 0, Source = ExpectationSource.Schema });
        }

        foreach (var rule in settings.Rules)
        {
            var index = rules.FindIndex(r => r.Key == rule.Key);
            if (index >= 0)
            {
                rules[index] = rule with { Source = ExpectationSource.User };
            }
            else
            {
                rules.Add(rule with { Source = ExpectationSource.User });
            }
        }

        return new ExpectationSuite(rules, settings, labelColumn);
    }

    private static IEnumerable<Expectation> FromFeature(FeatureSpec feature, FeatureProfile? profile)
    {
        yield return new() { Kind = ExpectationKind.ColumnPresent, Column = feature.Name, Source = ExpectationSource.Schema };
        yield return new() { Kind = ExpectationKind.ColumnType, Column = feature.Name, Type = feature.Type, Source = ExpectationSource.Schema };

        if (!feature.Nullable && (profile is null || profile.Missing == 0))
        {
            yield return new() { Kind = ExpectationKind.NullFraction, Column = feature.Name, MaxFraction = 0, Source = ExpectationSource.Schema };
        }
        else if (profile is not null)
        {
            var bound = Math.Min(1, Math.Round((profile.MissingFraction * 2) + 0.05, 4));
            yield return new() { Kind = ExpectationKind.NullFraction, Column = feature.Name, MaxFraction = bound, Source = ExpectationSource.Profile };
        }

        if (feature.Type.IsNumeric())
        {
            if (feature.Min is not null || feature.Max is not null)
            {
                yield return new() { Kind = ExpectationKind.Range, Column = feature.Name, Min = feature.Min, Max = feature.Max, Source = ExpectationSource.Schema };
            }
            else if (profile?.Numeric is { } numeric && double.IsFinite(numeric.Min) && double.IsFinite(numeric.Max) && profile.Count > 0)
            {
                var slack = Math.Max((numeric.Max - numeric.Min) * ProfileRangeSlack, Math.Abs(numeric.Max) * 1e-9);
                yield return new()
                {
                    Kind = ExpectationKind.Range,
                    Column = feature.Name,
                    Min = numeric.Min - slack,
                    Max = numeric.Max + slack,
                    Mostly = ProfileRangeMostly,
                    Source = ExpectationSource.Profile,
                };
            }
        }

        if (feature.Type == FeatureType.String)
        {
            if (feature.Categories is { Count: > 0 } categories)
            {
                yield return new() { Kind = ExpectationKind.Categories, Column = feature.Name, Categories = categories, MaxFraction = 0, Source = ExpectationSource.Schema };
            }
            else if (profile?.Categorical is { OtherCount: 0, Counts.Count: > 0 } counts)
            {
                // Only a complete count list describes the category set; a capped one would flag legitimate values.
                yield return new()
                {
                    Kind = ExpectationKind.Categories,
                    Column = feature.Name,
                    Categories = [.. counts.Counts.Keys.Order(StringComparer.Ordinal)],
                    MaxFraction = ProfileUnseenFraction,
                    Source = ExpectationSource.Profile,
                };
            }
        }
    }
}
