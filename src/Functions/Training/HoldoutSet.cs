using MLOps.Domain.Features;
using MLOps.Domain.Registry;
using MLOps.Domain.Training;

namespace MLOps.Functions.Training;

/// <summary>The holdout rows of one evaluation pass, kept as compact columns so the candidate and the champion score the same rows.</summary>
/// <remarks>
/// Memory grows with the holdout's rows (8 bytes per numeric cell, a shared string per category), not with the file:
/// a 20% holdout of a million rows with 20 features is about 32 MB. Missing values are kept as NaN or null and
/// turned into model inputs by <see cref="Batch"/>.
/// </remarks>
public sealed class HoldoutSet
{
    private readonly TrainingRecipe _recipe;
    private readonly List<double>[] _numbers;
    private readonly List<string?>[] _texts;
    private readonly Dictionary<string, string> _interned = new(StringComparer.Ordinal);

    public HoldoutSet(TrainingRecipe recipe)
    {
        _recipe = recipe;
        _numbers = recipe.Features.Select(_ => new List<double>()).ToArray();
        _texts = recipe.Features.Select(_ => new List<string?>()).ToArray();
    }

    public int Rows => Truth.Count;

    /// <summary>Classification: the class of each row ("false"/"true" for binary).</summary>
    public List<string> Truth { get; } = [];

    /// <summary>Regression: the label of each row.</summary>
    public List<double> Values { get; } = [];

    public void Add(RecipeRows row)
    {
        for (var f = 0; f < _recipe.Features.Count; f++)
        {
            if (_recipe.Features[f].Kind == FeatureKind.Categorical)
            {
                _texts[f].Add(row.Texts[f] is { } text ? Intern(text) : null);
            }
            else
            {
                _numbers[f].Add(row.Numbers[f]);
            }
        }

        Truth.Add(_recipe.Task == ModelTask.Regression ? string.Empty : Intern(row.LabelClass));
        Values.Add(row.LabelValue);
    }

    /// <summary>
    /// Rows [<paramref name="start"/>, start + <paramref name="count"/>) as a batch for <paramref name="schema"/>, matching
    /// features by name. Null when the schema needs a feature this holdout does not have, or a type it cannot be fed.
    /// </summary>
    /// <param name="fill">Value given to a missing cell of a feature whose input cannot carry NaN (bool, integers).</param>
    public FeatureBatch? Batch(FeatureSchema schema, int start, int count, Func<int, double>? fill, out string? problem)
    {
        problem = null;
        var columns = new Array[schema.Features.Count];
        for (var i = 0; i < schema.Features.Count; i++)
        {
            var spec = schema.Features[i];
            var f = IndexOf(spec.Name);
            if (f < 0)
            {
                problem = $"it needs feature '{spec.Name}', which the recipe does not have";
                return null;
            }

            var categorical = _recipe.Features[f].Kind == FeatureKind.Categorical;
            if (categorical != (spec.Type == FeatureType.String))
            {
                problem = $"its feature '{spec.Name}' is {spec.Type.ToName()}, but the recipe reads it as {_recipe.Features[f].Kind.ToString().ToLowerInvariant()}";
                return null;
            }

            var numbers = _numbers[f];
            double Number(int r)
            {
                var v = numbers[start + r];
                return double.IsNaN(v) && fill is not null ? fill(f) : v;
            }

            switch (spec.Type)
            {
                case FeatureType.String:
                    var strings = new string[count];
                    for (var r = 0; r < count; r++)
                    {
                        // A missing category reaches the model as an empty string, which it encodes like an unseen category.
                        strings[r] = _texts[f][start + r] ?? string.Empty;
                    }

                    columns[i] = strings;
                    break;
                case FeatureType.Float:
                    var floats = new float[count];
                    for (var r = 0; r < count; r++)
                    {
                        floats[r] = (float)numbers[start + r];
                    }

                    columns[i] = floats;
                    break;
                case FeatureType.Double:
                    columns[i] = numbers.GetRange(start, count).ToArray();
                    break;
                case FeatureType.Int32:
                    var ints = new int[count];
                    for (var r = 0; r < count; r++)
                    {
                        ints[r] = (int)Number(r);
                    }

                    columns[i] = ints;
                    break;
                case FeatureType.Int64:
                    var longs = new long[count];
                    for (var r = 0; r < count; r++)
                    {
                        longs[r] = (long)Number(r);
                    }

                    columns[i] = longs;
                    break;
                case FeatureType.Bool:
                    var flags = new bool[count];
                    for (var r = 0; r < count; r++)
                    {
                        flags[r] = Number(r) != 0;
                    }

                    columns[i] = flags;
                    break;
            }
        }

        return new FeatureBatch(schema, count, columns);
    }

    private int IndexOf(string name)
    {
        for (var f = 0; f < _recipe.Features.Count; f++)
        {
            if (string.Equals(_recipe.Features[f].Name, name, StringComparison.Ordinal))
            {
                return f;
            }
        }

        return -1;
    }

    private string Intern(string value)
    {
        if (_interned.TryGetValue(value, out var shared))
        {
            return shared;
        }

        if (_interned.Count < 100_000)
        {
            _interned[value] = value;
        }

        return value;
    }
}
