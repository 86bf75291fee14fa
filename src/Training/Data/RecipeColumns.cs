using MLOps.Domain.Registry;
using MLOps.Domain.Training;

namespace MLOps.Training.Data;

/// <summary>The columns a dataset reader should produce for a recipe, chosen so that every value can be missing.</summary>
/// <remarks>
/// Numeric and boolean features and numeric labels are Single (NaN = missing, a flag as 0/1), categorical features and
/// multiclass labels Text ("" = missing). The trainer then decides what a missing value means (imputation, or a
/// validation problem naming the column), instead of the reader failing on the first empty cell.
/// </remarks>
public static class RecipeColumns
{
    public static IReadOnlyList<TrainingColumn> For(TrainingRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var columns = recipe.Features
            .Select(f => new TrainingColumn(f.Name, f.Kind == FeatureKind.Categorical ? TrainingColumnType.Text : TrainingColumnType.Single))
            .ToList();
        columns.Add(new TrainingColumn(recipe.Label, recipe.Task == ModelTask.MulticlassClassification ? TrainingColumnType.Text : TrainingColumnType.Single));
        return columns;
    }
}
