using System.Globalization;
using System.Text.Json;
using MLOps.Domain.Registry;
using MLOps.Domain.Training;
using MLOps.Training.Data;

namespace MLOps.Training.Synthetic;

/// <summary>
/// Tabular data made by code with a known signal, for tests, samples and benchmarks: numeric features
/// (num_0.., on different scales), categorical features (cat_0.., skewed), boolean features (flag_0..) and a label.
/// </summary>
/// <remarks>
/// The label comes from a latent score: a seeded linear combination of standardised numeric features, per-category
/// effects and flags, a mild interaction, plus Gaussian noise. Binary labels threshold it (at the quantile giving
/// <see cref="SyntheticDatasetOptions.PositiveShare"/>), multiclass labels take the largest of one score per class,
/// regression labels scale it (or draw Poisson counts). Missing values are removed after the label is computed, so
/// they hide information without changing the signal. Rows are generated one by one from the seed:
/// <see cref="Rows"/> never holds the dataset, and <see cref="ToColumns"/> materialises it for in-memory use.
/// </remarks>
public sealed class SyntheticDataset
{
    public const string LabelName = "label";
    private const int PilotRows = 20_000;

    private readonly double[][] _weights;
    private readonly double[][][] _categoryEffects;
    private readonly double[][] _flagWeights;
    private readonly double[] _scales;
    private readonly double[] _shifts;
    private readonly double _threshold;
    private readonly string[][] _categoryNames;

    public SyntheticDataset(SyntheticDatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var random = new Random(options.Seed);
        var scores = options.Task == ModelTask.MulticlassClassification ? options.Classes : 1;
        _weights = Enumerable.Range(0, scores).Select(_ => Enumerable.Range(0, options.NumericFeatures).Select(_ => Signed(random, 0.4, 1.2)).ToArray()).ToArray();
        _categoryEffects = Enumerable.Range(0, scores).Select(_ => Enumerable.Range(0, options.CategoricalFeatures)
            .Select(_ => Enumerable.Range(0, options.CategoriesPerFeature).Select(_ => random.NextDouble() * 1.6 - 0.8).ToArray()).ToArray()).ToArray();
        _flagWeights = Enumerable.Range(0, scores).Select(_ => Enumerable.Range(0, options.BooleanFeatures).Select(_ => Signed(random, 0.3, 0.8)).ToArray()).ToArray();

        // Different magnitudes per feature, so min-max normalisation matters to the linear trainers.
        _scales = Enumerable.Range(0, options.NumericFeatures).Select(j => Math.Pow(10, (j % 4) - 1)).ToArray();
        _shifts = Enumerable.Range(0, options.NumericFeatures).Select(j => j % 3 == 0 ? 0 : 5.0 * j).ToArray();
        _threshold = options.Task == ModelTask.BinaryClassification ? PilotThreshold() : 0;

        // One string per category, shared by every row, so a million rows do not make millions of strings.
        _categoryNames = Enumerable.Range(0, options.CategoricalFeatures)
            .Select(k => Enumerable.Range(0, options.CategoriesPerFeature).Select(m => $"cat_{k}_v{m}").ToArray()).ToArray();
    }

    public SyntheticDatasetOptions Options { get; }

    public IReadOnlyList<string> NumericNames => Enumerable.Range(0, Options.NumericFeatures).Select(i => $"num_{i}").ToList();

    public IReadOnlyList<string> CategoricalNames => Enumerable.Range(0, Options.CategoricalFeatures).Select(i => $"cat_{i}").ToList();

    public IReadOnlyList<string> BooleanNames => Enumerable.Range(0, Options.BooleanFeatures).Select(i => $"flag_{i}").ToList();

    /// <summary>Column names and types in row order: numeric, categorical, boolean features, then the label.</summary>
    public IReadOnlyList<TrainingColumn> Columns =>
        NumericNames.Select(n => new TrainingColumn(n, TrainingColumnType.Single))
            .Concat(CategoricalNames.Select(n => new TrainingColumn(n, TrainingColumnType.Text)))
            .Concat(BooleanNames.Select(n => new TrainingColumn(n, TrainingColumnType.Boolean)))
            .Append(new TrainingColumn(LabelName, Options.Task switch
            {
                ModelTask.BinaryClassification => TrainingColumnType.Boolean,
                ModelTask.MulticlassClassification => TrainingColumnType.Text,
                _ => TrainingColumnType.Single,
            }))
            .ToList();

    /// <summary>A recipe that fits this data: every feature with its kind, imputation where values can be missing.</summary>
    public TrainingRecipe Recipe(string trainer, IReadOnlyDictionary<string, JsonElement>? hyperparameters = null)
    {
        var impute = Options.MissingShare > 0;
        var features = NumericNames.Select(n => new RecipeFeature(n, FeatureKind.Numeric, Imputation: impute ? ImputationStrategy.Median : null))
            .Concat(CategoricalNames.Select((n, i) => new RecipeFeature(n, FeatureKind.Categorical,
                Imputation: impute ? (i % 2 == 0 ? ImputationStrategy.MostFrequent : ImputationStrategy.Constant) : null,
                FillValue: impute && i % 2 == 1 ? JsonSerializer.SerializeToElement($"cat_{i}_v1") : null)))
            .Concat(BooleanNames.Select(n => new RecipeFeature(n, FeatureKind.Boolean)))
            .ToList();
        return new TrainingRecipe
        {
            Task = Options.Task,
            Label = LabelName,
            Features = features,
            Trainer = trainer,
            Hyperparameters = hyperparameters ?? new Dictionary<string, JsonElement>(),
            Seed = Options.Seed,
        };
    }

    /// <summary>Generates the rows in order, values in <see cref="Columns"/> order (null = missing), without keeping them.</summary>
    public IEnumerable<object?[]> Rows() => Generate(Options.Rows, Options.Seed + 1);

    /// <summary>All rows as typed arrays (numeric float with NaN, categorical string with null, flags bool, label per task).</summary>
    public IReadOnlyList<KeyValuePair<string, Array>> ToColumns(int skip = 0, int take = int.MaxValue)
    {
        var count = (int)Math.Min(take, Math.Max(0, Options.Rows - skip));
        var numeric = NumericNames.Select(_ => new float[count]).ToArray();
        var categorical = CategoricalNames.Select(_ => new string?[count]).ToArray();
        var flags = BooleanNames.Select(_ => new bool[count]).ToArray();
        Array label = Options.Task switch
        {
            ModelTask.BinaryClassification => new bool[count],
            ModelTask.MulticlassClassification => new string[count],
            _ => new float[count],
        };

        var r = 0;
        foreach (var row in Rows().Skip(skip).Take(count))
        {
            var c = 0;
            foreach (var column in numeric)
            {
                column[r] = row[c++] is float f ? f : float.NaN;
            }

            foreach (var column in categorical)
            {
                column[r] = (string?)row[c++];
            }

            foreach (var column in flags)
            {
                column[r] = (bool)row[c++]!;
            }

            label.SetValue(row[c], r);
            r++;
        }

        return NumericNames.Zip(numeric, (n, v) => KeyValuePair.Create(n, (Array)v))
            .Concat(CategoricalNames.Zip(categorical, (n, v) => KeyValuePair.Create(n, (Array)v)))
            .Concat(BooleanNames.Zip(flags, (n, v) => KeyValuePair.Create(n, (Array)v)))
            .Append(KeyValuePair.Create(LabelName, label))
            .ToList();
    }

    /// <summary>An in-memory view of rows [skip, skip + take).</summary>
    public ColumnarDataView ToDataView(int skip = 0, int take = int.MaxValue, CancellationToken cancellation = default) =>
        ColumnarDataView.Create(ToColumns(skip, take), cancellation);

    private IEnumerable<object?[]> Generate(int rows, int seed)
    {
        var random = new Random(seed);
        var o = Options;
        var width = o.NumericFeatures + o.CategoricalFeatures + o.BooleanFeatures + 1;
        var standard = new double[o.NumericFeatures];
        var categories = new int[o.CategoricalFeatures];
        var flags = new bool[o.BooleanFeatures];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < standard.Length; j++)
            {
                standard[j] = Gaussian(random);
            }

            for (var k = 0; k < categories.Length; k++)
            {
                // Skewed: category m has weight 1/(m+1).
                categories[k] = SkewedCategory(random, o.CategoriesPerFeature);
            }

            for (var l = 0; l < flags.Length; l++)
            {
                flags[l] = random.NextDouble() < 0.3 + (0.1 * (l % 4));
            }

            var noise = Gaussian(random) * o.Noise;
            var row = new object?[width];
            var c = 0;
            for (var j = 0; j < standard.Length; j++)
            {
                var value = (float)((standard[j] * _scales[j]) + _shifts[j]);
                row[c++] = random.NextDouble() < o.MissingShare ? null : value;
            }

            for (var k = 0; k < categories.Length; k++)
            {
                row[c++] = random.NextDouble() < o.MissingShare ? null : _categoryNames[k][categories[k]];
            }

            for (var l = 0; l < flags.Length; l++)
            {
                row[c++] = flags[l];
            }

            row[c] = Label(standard, categories, flags, noise, random);
            yield return row;
        }
    }

    private object Label(double[] x, int[] categories, bool[] flags, double noise, Random random)
    {
        switch (Options.Task)
        {
            case ModelTask.BinaryClassification:
                return Latent(0, x, categories, flags) + noise > _threshold;
            case ModelTask.MulticlassClassification:
            {
                var best = 0;
                var bestScore = double.NegativeInfinity;
                for (var c = 0; c < Options.Classes; c++)
                {
                    var s = Latent(c, x, categories, flags) + (noise * Gaussian(random));
                    if (s > bestScore)
                    {
                        (best, bestScore) = (c, s);
                    }
                }

                return string.Create(CultureInfo.InvariantCulture, $"class_{best}");
            }

            default:
            {
                var z = Latent(0, x, categories, flags) + noise;
                return Options.CountLabels ? (float)Poisson(random, Math.Exp(Math.Clamp(0.5 * z + 1, -5, 5))) : (float)((20 * z) + 100);
            }
        }
    }

    private double Latent(int score, double[] x, int[] categories, bool[] flags)
    {
        var z = 0d;
        var w = _weights[score];
        for (var j = 0; j < x.Length; j++)
        {
            z += w[j] * x[j];
        }

        // A mild interaction, which trees can find and a linear model cannot.
        if (x.Length >= 2)
        {
            z += 0.3 * x[0] * x[1];
        }

        for (var k = 0; k < categories.Length; k++)
        {
            z += _categoryEffects[score][k][categories[k]];
        }

        for (var l = 0; l < flags.Length; l++)
        {
            z += flags[l] ? _flagWeights[score][l] : 0;
        }

        return z / Math.Sqrt(Math.Max(1, x.Length / 2.0));
    }

    private double PilotThreshold()
    {
        // The label threshold is the (1 - positive share) quantile of the latent score, estimated on pilot rows
        // drawn from their own seed so that the dataset's rows do not depend on how many pilot rows there were.
        var random = new Random(Options.Seed + 7);
        var o = Options;
        var scores = new double[PilotRows];
        var x = new double[o.NumericFeatures];
        var categories = new int[o.CategoricalFeatures];
        var flags = new bool[o.BooleanFeatures];
        for (var r = 0; r < PilotRows; r++)
        {
            for (var j = 0; j < x.Length; j++)
            {
                x[j] = Gaussian(random);
            }

            for (var k = 0; k < categories.Length; k++)
            {
                categories[k] = SkewedCategory(random, o.CategoriesPerFeature);
            }

            for (var l = 0; l < flags.Length; l++)
            {
                flags[l] = random.NextDouble() < 0.3 + (0.1 * (l % 4));
            }

            scores[r] = Latent(0, x, categories, flags) + (Gaussian(random) * o.Noise);
        }

        Array.Sort(scores);
        return scores[(int)((1 - o.PositiveShare) * (PilotRows - 1))];
    }

    private static int SkewedCategory(Random random, int count)
    {
        var total = 0d;
        for (var m = 0; m < count; m++)
        {
            total += 1d / (m + 1);
        }

        var u = random.NextDouble() * total;
        for (var m = 0; m < count; m++)
        {
            u -= 1d / (m + 1);
            if (u <= 0)
            {
                return m;
            }
        }

        return count - 1;
    }

    private static double Signed(Random random, double min, double max) =>
        (random.Next(2) == 0 ? -1 : 1) * (min + (random.NextDouble() * (max - min)));

    private static double Gaussian(Random random)
    {
        // Box-Muller; 1 - u keeps the logarithm finite.
        var u1 = 1 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static int Poisson(Random random, double mean)
    {
        // Knuth's method; means here stay below e^5, where it is fast enough.
        var limit = Math.Exp(-mean);
        var k = 0;
        var p = 1d;
        do
        {
            k++;
            p *= random.NextDouble();
        }
        while (p > limit);
        return k - 1;
    }
}
