using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Training;

namespace MLOps.Training.Pipeline;

/// <summary>
/// One pass over the training rows before anything is fitted: counts missing values, computes every imputation
/// value and checks the label, so a dataset that does not suit its recipe fails with a list of concrete problems
/// instead of a trainer's exception halfway through.
/// </summary>
/// <remarks>
/// The median is exact up to <see cref="MedianSampleSize"/> rows and the median of a seeded uniform sample beyond;
/// whichever it is, ML.NET and the exported graph use the same number, so parity does not depend on it.
/// </remarks>
internal sealed class DatasetStatistics
{
    public const int MedianSampleSize = 200_000;
    public const int MaxDistinctForMostFrequent = 65_536;
    public const int MaxClasses = 1_000;

    private DatasetStatistics(long rows, IReadOnlyDictionary<string, float?> numericFills, IReadOnlyDictionary<string, string?> categoryFills)
    {
        Rows = rows;
        NumericFills = numericFills;
        CategoryFills = categoryFills;
    }

    public long Rows { get; }

    /// <summary>Fill value per numeric or boolean feature (null where the recipe imputes nothing).</summary>
    public IReadOnlyDictionary<string, float?> NumericFills { get; }

    /// <summary>Fill category per categorical feature (null where the recipe imputes nothing).</summary>
    public IReadOnlyDictionary<string, string?> CategoryFills { get; }

    /// <summary>Reads every row once. Numeric and boolean features must already be Single columns.</summary>
    public static DatasetStatistics Compute(TrainingRecipe recipe, IDataView typed, CancellationToken cancellation)
    {
        var schema = typed.Schema;
        var numeric = recipe.Features.Where(f => f.Kind != FeatureKind.Categorical)
            .Select(f => new NumericAccumulator(f, schema[f.Name], recipe.Seed)).ToList();
        var categorical = recipe.Features.Where(f => f.Kind == FeatureKind.Categorical)
            .Select(f => new CategoryAccumulator(f, schema[f.Name])).ToList();
        var label = new LabelAccumulator(recipe.Task, schema[recipe.Label]);

        var columns = numeric.Select(n => n.Column).Concat(categorical.Select(c => c.Column)).Append(label.Column);
        long rows = 0;
        using (var cursor = typed.GetRowCursor(columns))
        {
            foreach (var n in numeric)
            {
                n.Bind(cursor);
            }

            foreach (var c in categorical)
            {
                c.Bind(cursor);
            }

            label.Bind(cursor);
            while (cursor.MoveNext())
            {
                if ((rows & 0xFFF) == 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                }

                rows++;
                foreach (var n in numeric)
                {
                    n.Read();
                }

                foreach (var c in categorical)
                {
                    c.Read();
                }

                label.Read();
            }
        }

        var errors = new List<ProblemError>();
        if (rows == 0)
        {
            errors.Add(new("dataset", null, "The training data has no rows."));
            throw MLOpsException.Validation("The dataset does not suit the recipe.", errors);
        }

        var numericFills = numeric.ToDictionary(n => n.Feature.Name, n => n.Fill(errors), StringComparer.Ordinal);
        var categoryFills = categorical.ToDictionary(c => c.Feature.Name, c => c.Fill(errors, rows), StringComparer.Ordinal);
        label.Check(recipe, errors);
        if (errors.Count > 0)
        {
            throw MLOpsException.Validation(
                errors.Count == 1 ? errors[0].Message : $"The dataset does not suit the recipe: {errors.Count} problems.", errors);
        }

        return new DatasetStatistics(rows, numericFills, categoryFills);
    }

    private sealed class NumericAccumulator(RecipeFeature feature, DataViewSchema.Column column, int seed)
    {
        private readonly Random _random = new(seed);
        private readonly List<float> _sample = [];
        private readonly Dictionary<float, long> _counts = [];
        private ValueGetter<float> _getter = null!;
        private long _present;
        private long _missing;
        private double _sum;
        private bool _tooManyDistinct;

        public RecipeFeature Feature => feature;

        public DataViewSchema.Column Column => column;

        public void Bind(DataViewRowCursor cursor) => _getter = cursor.GetGetter<float>(column);

        public void Read()
        {
            var value = 0f;
            _getter(ref value);
            if (float.IsNaN(value))
            {
                _missing++;
                return;
            }

            _present++;
            switch (feature.Imputation)
            {
                case ImputationStrategy.Mean:
                    _sum += value;
                    break;
                case ImputationStrategy.Median:
                    // Reservoir sampling (algorithm R): exact while the data fits the sample.
                    if (_sample.Count < MedianSampleSize)
                    {
                        _sample.Add(value);
                    }
                    else
                    {
                        var j = _random.NextInt64(_present);
                        if (j < MedianSampleSize)
                        {
                            _sample[(int)j] = value;
                        }
                    }

                    break;
                case ImputationStrategy.MostFrequent when !_tooManyDistinct:
                    _counts[value] = _counts.GetValueOrDefault(value) + 1;
                    _tooManyDistinct = _counts.Count > MaxDistinctForMostFrequent;
                    break;
            }
        }

        public float? Fill(List<ProblemError> errors)
        {
            if (feature.Imputation is not { } strategy)
            {
                if (_missing > 0)
                {
                    errors.Add(new(feature.Name, null, string.Create(CultureInfo.InvariantCulture,
                        $"Feature '{feature.Name}' has {_missing} missing values in the training data but the recipe gives it no imputation (mean, median, mostFrequent or constant).")));
                }

                return null;
            }

            if (strategy == ImputationStrategy.Constant)
            {
                var fill = feature.FillValue!.Value;
                return fill.ValueKind switch
                {
                    System.Text.Json.JsonValueKind.True => 1f,
                    System.Text.Json.JsonValueKind.False => 0f,
                    _ => (float)fill.GetDouble(),
                };
            }

            if (_present == 0)
            {
                errors.Add(new(feature.Name, null, $"Feature '{feature.Name}' has no values at all in the training data, so there is nothing to impute from."));
                return null;
            }

            switch (strategy)
            {
                case ImputationStrategy.Mean:
                    return (float)(_sum / _present);
                case ImputationStrategy.Median:
                    _sample.Sort();
                    return _sample[(_sample.Count - 1) / 2];
                default:
                    if (_tooManyDistinct)
                    {
                        errors.Add(new(feature.Name, null,
                            $"Feature '{feature.Name}' has more than {MaxDistinctForMostFrequent} distinct values; mostFrequent suits discrete features. Use mean or median."));
                        return null;
                    }

                    // Ties go to the smallest value, so the fill does not depend on row order.
                    return _counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key).First().Key;
            }
        }
    }

    private sealed class CategoryAccumulator(RecipeFeature feature, DataViewSchema.Column column)
    {
        private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
        private ValueGetter<ReadOnlyMemory<char>> _getter = null!;
        private long _missing;

        public RecipeFeature Feature => feature;

        public DataViewSchema.Column Column => column;

        public void Bind(DataViewRowCursor cursor) => _getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);

        public void Read()
        {
            var value = default(ReadOnlyMemory<char>);
            _getter(ref value);
            if (value.IsEmpty)
            {
                _missing++;
            }
            else if (feature.Imputation == ImputationStrategy.MostFrequent && _counts.Count <= 1_000_000)
            {
                var key = value.ToString();
                _counts[key] = _counts.GetValueOrDefault(key) + 1;
            }
        }

        public string? Fill(List<ProblemError> errors, long rows)
        {
            if (_missing == rows && feature.Imputation != ImputationStrategy.Constant)
            {
                errors.Add(new(feature.Name, null, $"Feature '{feature.Name}' has no values at all in the training data; a categorical feature needs at least one category."));
                return null;
            }

            switch (feature.Imputation)
            {
                case ImputationStrategy.Constant:
                    return feature.FillValue!.Value.GetString();
                case ImputationStrategy.MostFrequent when _counts.Count == 0:
                    errors.Add(new(feature.Name, null, $"Feature '{feature.Name}' has no values at all in the training data, so there is nothing to impute from."));
                    return null;
                case ImputationStrategy.MostFrequent:
                    return _counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).First().Key;
                default:
                    return null;
            }
        }
    }

    private sealed class LabelAccumulator(ModelTask task, DataViewSchema.Column column)
    {
        private readonly HashSet<string> _classes = new(StringComparer.Ordinal);
        private Action _read = () => { };
        private long _missing;
        private long _notBinary;
        private long _negative;
        private long _negatives;
        private long _positives;

        public DataViewSchema.Column Column => column;

        public void Bind(DataViewRowCursor cursor)
        {
            var type = column.Type;
            if (type is BooleanDataViewType)
            {
                var get = cursor.GetGetter<bool>(column);
                _read = () =>
                {
                    var v = false;
                    get(ref v);
                    Count(v ? 1 : 0);
                };
            }
            else if (type is TextDataViewType)
            {
                var get = cursor.GetGetter<ReadOnlyMemory<char>>(column);
                _read = () =>
                {
                    var v = default(ReadOnlyMemory<char>);
                    get(ref v);
                    if (v.IsEmpty)
                    {
                        _missing++;
                    }
                    else if (_classes.Count <= MaxClasses)
                    {
                        _classes.Add(v.ToString());
                    }
                };
            }
            else
            {
                // Numeric labels were converted to Single (or Double) by the typing stage.
                var get = NumberGetter(cursor);
                _read = () => Count(get());
            }
        }

        private Func<double> NumberGetter(DataViewRowCursor cursor)
        {
            if (column.Type == NumberDataViewType.Double)
            {
                var g = cursor.GetGetter<double>(column);
                return () =>
                {
                    var v = 0d;
                    g(ref v);
                    return v;
                };
            }

            var f = cursor.GetGetter<float>(column);
            return () =>
            {
                var v = 0f;
                f(ref v);
                return v;
            };
        }

        private void Count(double value)
        {
            if (!double.IsFinite(value))
            {
                _missing++;
                return;
            }

            switch (task)
            {
                case ModelTask.BinaryClassification:
                    if (value == 1)
                    {
                        _positives++;
                    }
                    else if (value == 0)
                    {
                        _negatives++;
                    }
                    else
                    {
                        _notBinary++;
                    }

                    break;
                case ModelTask.MulticlassClassification:
                    if (Math.Floor(value) != value || value < 0)
                    {
                        _notBinary++;
                    }
                    else if (_classes.Count <= MaxClasses)
                    {
                        _classes.Add(value.ToString(CultureInfo.InvariantCulture));
                    }

                    break;
                default:
                    if (value < 0)
                    {
                        _negative++;
                    }

                    break;
            }
        }

        public void Read() => _read();

        public void Check(TrainingRecipe recipe, List<ProblemError> errors)
        {
            var name = recipe.Label;
            if (_missing > 0)
            {
                errors.Add(new(name, null, string.Create(CultureInfo.InvariantCulture,
                    $"The label '{name}' is missing or not a finite number in {_missing} rows; every training row needs a label.")));
            }

            switch (task)
            {
                case ModelTask.BinaryClassification when _notBinary > 0:
                    errors.Add(new(name, null, string.Create(CultureInfo.InvariantCulture,
                        $"The label '{name}' must be true/false or 0/1 for binary classification; {_notBinary} rows hold other values.")));
                    break;
                case ModelTask.BinaryClassification when _positives == 0 || _negatives == 0:
                    errors.Add(new(name, null, $"The label '{name}' has only {(_positives == 0 ? "negative" : "positive")} rows; binary classification needs both classes."));
                    break;
                case ModelTask.MulticlassClassification when _notBinary > 0:
                    errors.Add(new(name, null, string.Create(CultureInfo.InvariantCulture,
                        $"The label '{name}' must be text or a whole number of at least 0 for multiclass classification; {_notBinary} rows hold other values.")));
                    break;
                case ModelTask.MulticlassClassification when _classes.Count > MaxClasses:
                    errors.Add(new(name, null, $"The label '{name}' has more than {MaxClasses} classes."));
                    break;
                case ModelTask.MulticlassClassification when _classes.Count < 2:
                    errors.Add(new(name, null, $"The label '{name}' has {_classes.Count} class; multiclass classification needs at least 2."));
                    break;
                case ModelTask.Regression when _negative > 0 && recipe.Trainer == "lbfgs-poisson":
                    errors.Add(new(name, null, string.Create(CultureInfo.InvariantCulture,
                        $"Poisson regression predicts counts; the label '{name}' is negative in {_negative} rows.")));
                    break;
            }
        }
    }
}
