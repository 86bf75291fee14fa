using System.Globalization;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Splits;
using MLOps.Domain.Training;
using MLOps.Functions.Datasets;

namespace MLOps.Functions.Training;

/// <summary>Reads a dataset's rows as a recipe sees them: typed feature values and a label, every cell checked.</summary>
/// <remarks>
/// One instance per pass over a file. <see cref="TryRead"/> parses the current row of a <see cref="TabularReader"/>
/// into reusable buffers and reports what is wrong with it (a cell that is not a number, a label that is not a class
/// of the task, a missing value the recipe does not impute) as problems naming the column and the file row. Values are
/// never put in the problems: a dataset may hold personal data, and problems end up in logs and job states.
/// </remarks>
public sealed class RecipeRows
{
    public const int MaxTextLength = 1024;

    private readonly TrainingRecipe _recipe;
    private readonly int[] _featureColumns;
    private readonly int _labelColumn;
    private readonly string[] _featureNames;

    private RecipeRows(TrainingRecipe recipe, int labelColumn, int[] featureColumns)
    {
        _recipe = recipe;
        _labelColumn = labelColumn;
        _featureColumns = featureColumns;
        _featureNames = recipe.Features.Select(f => f.Name).ToArray();
        Numbers = new double[featureColumns.Length];
        Texts = new string?[featureColumns.Length];
        Missing = new bool[featureColumns.Length];
    }

    public TrainingRecipe Recipe => _recipe;

    /// <summary>Numeric features, and boolean ones as 0/1; NaN when missing. Categorical positions are unused.</summary>
    public double[] Numbers { get; }

    /// <summary>Categorical features' values; null when missing. Other positions are unused.</summary>
    public string?[] Texts { get; }

    public bool[] Missing { get; }

    /// <summary>Classification: the row's class (binary: "false"/"true"). Unused for regression.</summary>
    public string LabelClass { get; private set; } = string.Empty;

    /// <summary>Binary: the label as a boolean.</summary>
    public bool LabelBool { get; private set; }

    /// <summary>Regression: the label value.</summary>
    public double LabelValue { get; private set; }

    /// <summary>The split stratum of the row: its class for classification, "all" for regression.</summary>
    public string Stratum => _recipe.Task == ModelTask.Regression ? HoldoutSplitter.AllRows : LabelClass;

    /// <summary>The file columns a pass needs (to read only those from Parquet).</summary>
    public static IReadOnlyCollection<string> ColumnsOf(TrainingRecipe recipe) => [recipe.Label, .. recipe.Features.Select(f => f.Name)];

    /// <summary>Finds the recipe's columns in a file; a 400 naming every missing or unusable column.</summary>
    public static RecipeRows Bind(TrainingRecipe recipe, IReadOnlyList<TabularColumn> columns)
    {
        var errors = new List<ProblemError>();
        var byName = new Dictionary<string, TabularColumn>(StringComparer.Ordinal);
        foreach (var c in columns)
        {
            byName.TryAdd(c.Name, c);
        }

        int labelColumn = -1;
        if (!byName.TryGetValue(recipe.Label, out var label))
        {
            errors.Add(new(recipe.Label, null, $"The dataset has no label column '{recipe.Label}'. Its columns are: {Names(columns)}."));
        }
        else
        {
            labelColumn = label.Index;
            var fits = recipe.Task switch
            {
                ModelTask.Regression => label.DeclaredType is TabularType.Text || label.DeclaredType.IsNumeric(),
                ModelTask.BinaryClassification => label.DeclaredType is TabularType.Text or TabularType.Boolean || label.DeclaredType.IsInteger(),
                _ => label.DeclaredType is TabularType.Text or TabularType.Boolean || label.DeclaredType.IsInteger(),
            };
            if (!fits)
            {
                errors.Add(new(recipe.Label, null, $"The label column '{recipe.Label}' is {Describe(label.DeclaredType)}, which cannot be a {TaskName(recipe.Task)} label."));
            }
        }

        var featureColumns = new int[recipe.Features.Count];
        for (var i = 0; i < recipe.Features.Count; i++)
        {
            var feature = recipe.Features[i];
            if (!byName.TryGetValue(feature.Name, out var column))
            {
                errors.Add(new(feature.Name, null, $"The dataset has no column '{feature.Name}' (features[{i}]). Its columns are: {Names(columns)}."));
                continue;
            }

            featureColumns[i] = column.Index;
            var fits = feature.Kind switch
            {
                FeatureKind.Numeric => column.DeclaredType is TabularType.Text or TabularType.Boolean || column.DeclaredType.IsNumeric(),
                FeatureKind.Boolean => column.DeclaredType is TabularType.Text or TabularType.Boolean || column.DeclaredType.IsInteger(),
                _ => column.DeclaredType is not (TabularType.Binary or TabularType.Float or TabularType.Double or TabularType.Decimal),
            };
            if (!fits)
            {
                errors.Add(new(feature.Name, null, $"Column '{feature.Name}' is {Describe(column.DeclaredType)}, which cannot be a {feature.Kind.ToString().ToLowerInvariant()} feature."));
            }
        }

        if (errors.Count > 0)
        {
            throw MLOpsException.Validation(
                errors.Count == 1 ? $"The dataset does not match the recipe: {errors[0].Message}" : $"The dataset does not match the recipe: {errors.Count} problems.",
                errors);
        }

        return new RecipeRows(recipe, labelColumn, featureColumns);
    }

    /// <summary>Parses the reader's current row; false (with problems added) when the row does not fit the recipe.</summary>
    public bool TryRead(TabularReader reader, ICollection<ProblemError> problems)
    {
        var ok = true;
        var row = reader.RowNumber;
        for (var f = 0; f < _featureColumns.Length; f++)
        {
            var feature = _recipe.Features[f];
            var column = _featureColumns[f];
            Missing[f] = reader.IsNull(column);
            if (Missing[f])
            {
                Numbers[f] = double.NaN;
                Texts[f] = null;
                if (feature.Imputation is null && feature.Kind != FeatureKind.Categorical)
                {
                    ok = Problem(problems, feature.Name, row, $"Row {row}: '{feature.Name}' is missing, and the recipe gives it no imputation.");
                }

                continue;
            }

            switch (feature.Kind)
            {
                case FeatureKind.Numeric:
                    if (!reader.TryGetDouble(column, out var number) || !double.IsFinite(number))
                    {
                        ok = Problem(problems, feature.Name, row, $"Row {row}: '{feature.Name}' is not a finite number.");
                    }
                    else if (feature.InputType is FeatureType.Int32 or FeatureType.Int64 && Math.Floor(number) != number)
                    {
                        ok = Problem(problems, feature.Name, row, $"Row {row}: '{feature.Name}' is {feature.InputType.ToName()} but the value is not a whole number.");
                    }
                    else if (feature.InputType == FeatureType.Float && Math.Abs(number) > float.MaxValue)
                    {
                        ok = Problem(problems, feature.Name, row, $"Row {row}: '{feature.Name}' is outside the range of a float.");
                    }

                    Numbers[f] = number;
                    break;
                case FeatureKind.Boolean:
                    if (!reader.TryGetBoolean(column, out var flag))
                    {
                        ok = Problem(problems, feature.Name, row, $"Row {row}: '{feature.Name}' is not a boolean (true/false, yes/no or 1/0).");
                    }

                    Numbers[f] = flag ? 1 : 0;
                    break;
                default:
                    var text = reader.GetString(column);
                    if (text is { Length: > MaxTextLength })
                    {
                        ok = Problem(problems, feature.Name, row, $"Row {row}: '{feature.Name}' is longer than {MaxTextLength} characters.");
                    }

                    Texts[f] = text;
                    break;
            }
        }

        return ReadLabel(reader, row, problems) && ok;
    }

    private bool ReadLabel(TabularReader reader, long row, ICollection<ProblemError> problems)
    {
        var name = _recipe.Label;
        if (reader.IsNull(_labelColumn))
        {
            return Problem(problems, name, row, $"Row {row}: the label '{name}' is missing.");
        }

        switch (_recipe.Task)
        {
            case ModelTask.BinaryClassification:
                if (!reader.TryGetBoolean(_labelColumn, out var positive))
                {
                    return Problem(problems, name, row, $"Row {row}: the label '{name}' is not a binary class; binary labels are true/false, yes/no or 1/0.");
                }

                LabelBool = positive;
                LabelClass = positive ? "true" : "false";
                return true;
            case ModelTask.Regression:
                if (!reader.TryGetDouble(_labelColumn, out var value) || !double.IsFinite(value))
                {
                    return Problem(problems, name, row, $"Row {row}: the label '{name}' is not a finite number, as regression needs.");
                }

                LabelValue = value;
                return true;
            default:
                var text = reader.GetString(_labelColumn);
                if (string.IsNullOrWhiteSpace(text) || text.Length > 256)
                {
                    return Problem(problems, name, row, $"Row {row}: the label '{name}' must be a class name of 1 to 256 characters.");
                }

                LabelClass = text;
                return true;
        }
    }

    private static bool Problem(ICollection<ProblemError> problems, string field, long row, string message)
    {
        problems.Add(new(field, row <= int.MaxValue ? (int)row : null, message));
        return false;
    }

    private static string Names(IReadOnlyList<TabularColumn> columns)
    {
        var names = string.Join(", ", columns.Take(50).Select(c => ProblemText.Clip(c.Name)));
        return columns.Count > 50 ? names + $" and {columns.Count - 50} more" : names;
    }

    private static string Describe(TabularType type) => type.ToString().ToLower(CultureInfo.InvariantCulture);

    private static string TaskName(ModelTask task) => task switch
    {
        ModelTask.BinaryClassification => "binary classification",
        ModelTask.MulticlassClassification => "multiclass classification",
        _ => "regression",
    };
}
