using System.Text.Json;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Training;
using MLOps.Training.Data;
using MLOps.Training.Export;
using MLOps.Training.Pipeline;
using MLOps.Training.Synthetic;
using MLOps.Training.Tests.Export;

namespace MLOps.Training.Tests.Pipeline;

public sealed class ModelTrainerTests
{
    private static readonly Dictionary<string, JsonElement> FewTrees = new()
    {
        ["numberOfIterations"] = JsonSerializer.SerializeToElement(30),
        ["numberOfLeaves"] = JsonSerializer.SerializeToElement(8),
    };

    private static SyntheticDataset Data(ModelTask task = ModelTask.BinaryClassification, int rows = 3_000, double missing = 0.05) =>
        new(new SyntheticDatasetOptions { Task = task, Rows = rows, NumericFeatures = 3, CategoricalFeatures = 1, BooleanFeatures = 1, MissingShare = missing, Seed = 5 });

    [Fact]
    public void Train_StreamingAndInMemoryViews_GiveTheSameModel()
    {
        var data = Data();
        var recipe = data.Recipe("lightgbm", FewTrees);
        var passes = 0;
        var streaming = new StreamingDataView(data.Columns, () =>
        {
            Interlocked.Increment(ref passes);
            return data.Rows();
        });

        var fromStream = new ModelTrainer().Train(recipe, streaming);
        var fromMemory = new ModelTrainer().Train(recipe, data.ToDataView());

        var holdout = data.ToDataView(0, 500);
        Assert.Equal(fromMemory.Predict(holdout).Probabilities!.Select(p => p[1]), fromStream.Predict(holdout).Probabilities!.Select(p => p[1]));
        Assert.True(passes >= 2, $"The streaming source was read {passes} times; training reads it once per pass, never all at once.");
    }

    [Fact]
    public async Task TrainAsync_TreeTrainer_ReportsGrowingPercentagesWithIterations()
    {
        var data = Data(rows: 20_000);
        var recipe = data.Recipe("lightgbm", new Dictionary<string, JsonElement> { ["numberOfIterations"] = JsonSerializer.SerializeToElement(400) });
        var reports = new List<TrainingProgress>();
        var progress = new SynchronousProgress(reports);

        await new ModelTrainer { ProgressInterval = TimeSpan.FromMilliseconds(20) }.TrainAsync(recipe, data.ToDataView(), progress);

        Assert.Equal(0, reports[0].Percent);
        Assert.Equal(100, reports[^1].Percent);
        Assert.Equal("done", reports[^1].Phase);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.Second.Percent >= p.First.Percent), "Percentages never go back.");
        Assert.Contains(reports, r => r.Phase == "training" && r.Percent > 15 && r.Percent < 95 && r.Detail!.StartsWith("iteration ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TrainAsync_Cancelled_StopsWithOperationCanceled()
    {
        var data = Data(rows: 50_000);
        var recipe = data.Recipe("fasttree", new Dictionary<string, JsonElement> { ["numberOfTrees"] = JsonSerializer.SerializeToElement(5_000) });
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var started = DateTime.UtcNow;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ModelTrainer().TrainAsync(recipe, data.ToDataView(), cancellation: cancellation.Token));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60), "5,000 trees would take minutes; cancellation stopped it.");
    }

    [Fact]
    public void Train_DatasetNotMatchingRecipe_ListsEveryProblem()
    {
        var recipe = Data().Recipe("lightgbm", FewTrees) with
        {
            Features = [new RecipeFeature("num_0", FeatureKind.Numeric), new RecipeFeature("absent", FeatureKind.Numeric), new RecipeFeature("cat_0", FeatureKind.Numeric)],
        };

        var error = Assert.Throws<MLOpsException>(() => new ModelTrainer().Train(recipe, Data(missing: 0).ToDataView()));

        Assert.Equal(ProblemKind.Validation, error.Kind);
        Assert.Contains(error.Errors, e => e.Field == "absent" && e.Message.Contains("has no column 'absent'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Field == "cat_0" && e.Message.Contains("needs a number", StringComparison.Ordinal));
    }

    [Fact]
    public void Train_MissingValuesWithoutImputation_IsRefusedNamingTheFeature()
    {
        var data = Data(missing: 0.1);
        var recipe = data.Recipe("sdca-logistic") with
        {
            Features = data.Recipe("sdca-logistic").Features.Select(f => f with { Imputation = null, FillValue = null }).ToList(),
        };

        var error = Assert.Throws<MLOpsException>(() => new ModelTrainer().Train(recipe, data.ToDataView()));

        Assert.Contains(error.Errors, e => e.Field == "num_0" && e.Message.Contains("missing values in the training data but the recipe gives it no imputation", StringComparison.Ordinal));
    }

    [Fact]
    public void Train_OneClassOnly_IsRefused()
    {
        var view = ColumnarDataView.Create(("x", new float[] { 1, 2, 3, 4 }), ("y", new[] { true, true, true, true }));
        var recipe = new TrainingRecipe { Task = ModelTask.BinaryClassification, Label = "y", Features = [new("x", FeatureKind.Numeric)], Trainer = "lbfgs-logistic" };

        var error = Assert.Throws<MLOpsException>(() => new ModelTrainer().Train(recipe, view));

        Assert.Contains("only positive rows", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_InvalidRecipe_IsRefusedBeforeReadingData()
    {
        var recipe = new TrainingRecipe { Task = ModelTask.Regression, Label = "y", Features = [new("x", FeatureKind.Numeric)], Trainer = "lightgbm" };
        var view = new StreamingDataView([new("x", TrainingColumnType.Single), new("y", TrainingColumnType.Single)], () => throw new InvalidOperationException("must not be read"));

        var error = Assert.Throws<MLOpsException>(() => new ModelTrainer().Train(recipe, view));

        Assert.Contains(error.Errors, e => e.Field == "trainer");
    }

    [Fact]
    public void Train_StreamingRowOfWrongType_IsAValidationProblem()
    {
        var view = new StreamingDataView(
            [new("x", TrainingColumnType.Single), new("y", TrainingColumnType.Boolean)],
            () => [["1.5", true], [2f, false]]);
        var recipe = new TrainingRecipe { Task = ModelTask.BinaryClassification, Label = "y", Features = [new("x", FeatureKind.Numeric)], Trainer = "lbfgs-logistic" };

        var error = Assert.Throws<MLOpsException>(() => new ModelTrainer().Train(recipe, view));

        Assert.Contains("column 'x': a String where Single was declared", error.Detail, StringComparison.Ordinal);
    }

    /// <summary>Numeric inputs typed double, int64 and int32, a boolean flag and integer multiclass labels, end to end.</summary>
    [Theory]
    [InlineData("lbfgs-multiclass")]
    [InlineData("lightgbm-multiclass")]
    public void Export_TypedInputsAndIntegerClasses_MatchMLNet(string trainer)
    {
        var random = new Random(3);
        const int rows = 3_000;
        var price = new double[rows];
        var count = new long[rows];
        var small = new int[rows];
        var flag = new bool[rows];
        var colour = new string?[rows];
        var label = new int[rows];
        string[] colours = ["red", "green", "blue"];
        for (var i = 0; i < rows; i++)
        {
            price[i] = (random.NextDouble() * 1_000) + 0.123456789;
            count[i] = random.NextInt64(0, 50);
            small[i] = random.Next(-5, 5);
            flag[i] = random.NextDouble() < 0.4;
            colour[i] = random.NextDouble() < 0.1 ? null : colours[random.Next(3)];
            var z = (price[i] / 250) + (count[i] / 25.0) + (flag[i] ? 1 : 0) + (colour[i] == "red" ? 1 : 0) + random.NextDouble();
            label[i] = z < 2.5 ? 2 : z < 4 ? 5 : 9;
        }

        var columns = new Dictionary<string, Array> { ["price"] = price, ["count"] = count, ["small"] = small, ["flag"] = flag, ["colour"] = colour, ["label"] = label };
        var recipe = new TrainingRecipe
        {
            Task = ModelTask.MulticlassClassification,
            Label = "label",
            Features =
            [
                new("price", FeatureKind.Numeric, FeatureType.Double),
                new("count", FeatureKind.Numeric, FeatureType.Int64),
                new("small", FeatureKind.Numeric, FeatureType.Int32),
                new("flag", FeatureKind.Boolean),
                new("colour", FeatureKind.Categorical, Imputation: ImputationStrategy.MostFrequent),
            ],
            Trainer = trainer,
        };

        var model = new ModelTrainer().Train(recipe, ColumnarDataView.Create(columns));
        var exported = OnnxModelExporter.Export(model);
        var actual = OnnxRunner.Run(exported.Onnx, exported.Features, columns);

        Assert.Equal(["2", "5", "9"], model.ClassLabels);
        Assert.True(model.ClassLabelsAreIntegers);
        Assert.NotNull(actual.IntLabels);
        Assert.Equal([FeatureType.Double, FeatureType.Int64, FeatureType.Int32, FeatureType.Bool, FeatureType.String], exported.Features.Features.Select(f => f.Type));
        ExportParityTests.AssertParity(model, model.Predict(ColumnarDataView.Create(columns)), actual);
    }

    [Fact]
    public void Export_StringClasses_EmitStringLabels()
    {
        var data = Data(ModelTask.MulticlassClassification);
        var model = new ModelTrainer().Train(data.Recipe("sdca-multiclass"), data.ToDataView());

        var exported = OnnxModelExporter.Export(model);
        var actual = OnnxRunner.Run(exported.Onnx, exported.Features, data.ToColumns().ToDictionary(p => p.Key, p => p.Value));

        Assert.False(model.ClassLabelsAreIntegers);
        Assert.Equal(["class_0", "class_1", "class_2"], exported.ClassLabels);
        Assert.Null(actual.IntLabels);
        Assert.All(actual.StringLabels!, l => Assert.StartsWith("class_", l, StringComparison.Ordinal));

        // Row by row the labels ML.NET predicts (an empty or shuffled label output would pass the check above).
        var expected = model.Predict(data.ToDataView()).PredictedClass!.Select(c => model.ClassLabels[c]);
        Assert.Equal(expected, actual.StringLabels!);
    }

    [Fact]
    public void Export_ImputedFloatFeatures_AreNullableInTheSchema()
    {
        var data = Data(missing: 0.1);
        var model = new ModelTrainer().Train(data.Recipe("lightgbm", FewTrees), data.ToDataView());

        var schema = OnnxModelExporter.Export(model).Features;

        Assert.Empty(schema.Check());
        Assert.True(schema.Features.Single(f => f.Name == "num_0").Nullable);
        Assert.False(schema.Features.Single(f => f.Name == "flag_0").Nullable);
    }

    private sealed class SynchronousProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}

public sealed class RecipeColumnsTests
{
    [Fact]
    public void For_BinaryRecipe_TrainsFromNullableSingleAndTextColumns()
    {
        var recipe = new TrainingRecipe
        {
            Task = ModelTask.BinaryClassification,
            Label = "y",
            Features = [new("x", FeatureKind.Numeric, Imputation: ImputationStrategy.Mean), new("c", FeatureKind.Categorical), new("b", FeatureKind.Boolean, Imputation: ImputationStrategy.MostFrequent)],
            Trainer = "lbfgs-logistic",
        };
        var random = new Random(1);
        var rows = Enumerable.Range(0, 2_000).Select(i =>
        {
            var x = random.NextDouble();
            object?[] row = [i % 10 == 0 ? null : x, i % 2 == 0 ? "a" : "b", i % 7 == 0 ? null : (i % 3 == 0), x > 0.5 ? 1f : 0f];
            return (IReadOnlyList<object?>)row;
        }).ToList();

        var columns = RecipeColumns.For(recipe);
        var model = new ModelTrainer().Train(recipe, new StreamingDataView(columns, () => rows));

        Assert.Equal([TrainingColumnType.Single, TrainingColumnType.Text, TrainingColumnType.Single, TrainingColumnType.Single], columns.Select(c => c.Type));
        Assert.Equal(["0", "1"], model.ClassLabels);
    }
}
