using System.Globalization;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;

namespace MLOps.Domain.Validation;

/// <summary>What a user sets per model about its datasets: file dialect, the label column, and their own rules.</summary>
public sealed record ModelExpectations
{
    public const int MaxRules = 500;
    public const int MaxCategoriesPerRule = FeatureSchema.MaxCategories;

    /// <summary>Add the rules derived from the champion's feature schema and reference profile (default true).</summary>
    public bool DeriveFromModel { get; init; } = true;

    /// <summary>The CSV separator datasets must use (default ','); a file written with another one fails validation.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>The label column training data must carry; null takes the champion's "labelColumn" tag, else "label".</summary>
    public string? LabelColumn { get; init; }

    /// <summary>Whether datasets are training data and so need the label column (default true).</summary>
    public bool RequireLabel { get; init; } = true;

    /// <summary>CSV cell values, besides the empty cell, that mean "missing".</summary>
    public IReadOnlyList<string> NullValues { get; init; } = [];

    /// <summary>Offending rows quoted per failed rule in a report (1 to 20, default 5).</summary>
    public int ExampleRows { get; init; } = 5;

    /// <summary>The user's rules; each replaces a derived rule with the same kind and column.</summary>
    public IReadOnlyList<Expectation> Rules { get; init; } = [];

    public static ModelExpectations Default { get; } = new();

    /// <summary>Checks the settings and every rule on their own; each problem names the rule by position.</summary>
    public IReadOnlyList<ProblemError> Check()
    {
        var errors = new List<ProblemError>();
        if (Delimiter is not (',' or ';' or '\t' or '|'))
        {
            errors.Add(new("delimiter", null, "The delimiter must be one of ',', ';', '\\t' or '|'."));
        }

        if (ExampleRows is < 1 or > 20)
        {
            errors.Add(new("exampleRows", null, "exampleRows must be from 1 to 20."));
        }

        if (LabelColumn is { } label && !ValidColumn(label))
        {
            errors.Add(new("labelColumn", null, "The label column must be a name of 1-128 characters."));
        }

        if (NullValues.Count > 20 || NullValues.Any(v => v is null || v.Length > 32))
        {
            errors.Add(new("nullValues", null, "At most 20 null values of up to 32 characters each."));
        }

        if (Rules.Count > MaxRules)
        {
            errors.Add(new("rules", null, $"At most {MaxRules} rules per model."));
            return errors;
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Rules.Count; i++)
        {
            var rule = Rules[i];
            var field = string.Create(CultureInfo.InvariantCulture, $"rules[{i}]");
            if (rule is null)
            {
                errors.Add(new(field, null, "A rule cannot be null."));
                continue;
            }

            foreach (var message in CheckRule(rule))
            {
                errors.Add(new(field, null, message));
            }

            if (!keys.Add(rule.Key))
            {
                errors.Add(new(field, null, $"Rule {rule.Key} is listed twice."));
            }
        }

        return errors;
    }

    private static IEnumerable<string> CheckRule(Expectation rule)
    {
        var name = Expectation.Name(rule.Kind);
        if (rule.Kind is ExpectationKind.Readable or ExpectationKind.ModelKnown)
        {
            yield return $"'{name}' is always checked and cannot be configured.";
            yield break;
        }

        if (!double.IsFinite(rule.Mostly) || rule.Mostly is < 0 or > 1)
        {
            yield return "'mostly' must be from 0 to 1.";
        }
        else if (rule.Mostly < 1 && !rule.IsRowLevel)
        {
            yield return $"'mostly' applies to row-level rules (columnType, range, unique, wellFormedRows); use maxFraction or bounds for '{name}'.";
        }

        if (rule.MaxFraction is { } f && (!double.IsFinite(f) || f is < 0 or > 1))
        {
            yield return "'maxFraction' must be from 0 to 1.";
        }

        var needsColumn = rule.Kind is ExpectationKind.ColumnPresent or ExpectationKind.ColumnType or ExpectationKind.NullFraction
            or ExpectationKind.Range or ExpectationKind.Categories or ExpectationKind.LabelPresent;
        if (needsColumn && (rule.Column is null || !ValidColumn(rule.Column)))
        {
            yield return $"'{name}' needs 'column', a name of 1-128 characters.";
        }

        if (rule.Column is { } c && !ValidColumn(c))
        {
            yield return "'column' must be a name of 1-128 characters.";
        }

        switch (rule.Kind)
        {
            case ExpectationKind.ColumnType when rule.Type is null:
                yield return $"'columnType' needs 'type': one of {FeatureTypes.AllNames}.";
                break;
            case ExpectationKind.NullFraction when rule.MaxFraction is null:
                yield return "'nullFraction' needs 'maxFraction'.";
                break;
            case ExpectationKind.Range when rule.Min is null && rule.Max is null:
                yield return "'range' needs 'min', 'max' or both.";
                break;
            case ExpectationKind.Range when (rule.Min is { } lo && !double.IsFinite(lo)) || (rule.Max is { } hi && !double.IsFinite(hi)):
                yield return "'min' and 'max' must be finite numbers.";
                break;
            case ExpectationKind.Range when rule.Min > rule.Max:
                yield return "'min' is greater than 'max'.";
                break;
            case ExpectationKind.Categories when rule.Categories is not { Count: > 0 } || rule.Categories.Count > MaxCategoriesPerRule:
                yield return $"'categories' needs 'categories', 1 to {MaxCategoriesPerRule} values.";
                break;
            case ExpectationKind.Categories when rule.Categories!.Any(v => v is null || v.Length > 256):
                yield return "Each category must be a string of at most 256 characters.";
                break;
            case ExpectationKind.Unique when rule.Columns is not { Count: > 0 and <= 8 } || rule.Columns.Any(k => k is null || !ValidColumn(k)):
                yield return "'unique' needs 'columns': 1 to 8 column names.";
                break;
            case ExpectationKind.RowCount when rule.MinRows is null && rule.MaxRows is null:
                yield return "'rowCount' needs 'minRows', 'maxRows' or both.";
                break;
            case ExpectationKind.RowCount when rule.MinRows < 0 || rule.MinRows > rule.MaxRows:
                yield return "'minRows' must be 0 or more and not above 'maxRows'.";
                break;
            case ExpectationKind.Freshness when rule.MaxAge is not { } age || age <= TimeSpan.Zero:
                yield return "'freshness' needs 'maxAge', a positive duration such as \"1.00:00:00\".";
                break;
        }
    }

    private static bool ValidColumn(string name) => name.Length is >= 1 and <= 128 && !name.Any(char.IsControl);
}
