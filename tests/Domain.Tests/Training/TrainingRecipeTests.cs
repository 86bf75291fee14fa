using System.Text.Json;
using System.Text.Json.Serialization;
using MLOps.Domain.Features;
using MLOps.Domain.Registry;
using MLOps.Domain.Training;

namespace MLOps.Domain.Tests.Training;

public sealed class TrainingRecipeTests
{
    // The API's JSON shape (src/Functions/Storage/JsonDefaults): camelCase, enums as camelCase strings, no unknown members.
    private static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }

    private static TrainingRecipe Parse(string json) => JsonSerializer.Deserialize<TrainingRecipe>(json, Json)!;

    private const string Sound = """
        {
          "task": "binaryClassification",
          "label": "churned",
          "features": [
            {"name": "age", "kind": "numeric", "imputation": "median"},
            {"name": "tenure", "kind": "numeric", "type": "int64"},
            {"name": "plan", "kind": "categorical", "imputation": "constant", "fillValue": "basic"},
            {"name": "has_support", "kind": "boolean", "imputation": "mostFrequent"}
          ],
          "trainer": "lightgbm",
          "hyperparameters": {"numberOfLeaves": 15, "learningRate": 0.05},
          "holdoutFraction": 0.25,
          "seed": 7
        }
        """;

    [Fact]
    public void Deserialize_CamelCaseJson_ReadsEveryMember()
    {
        var recipe = Parse(Sound);

        Assert.Equal(ModelTask.BinaryClassification, recipe.Task);
        Assert.Equal("churned", recipe.Label);
        Assert.Equal(4, recipe.Features.Count);
        Assert.Equal(ImputationStrategy.Median, recipe.Features[0].Imputation);
        Assert.Equal(FeatureType.Int64, recipe.Features[1].InputType);
        Assert.Equal("basic", recipe.Features[2].FillValue!.Value.GetString());
        Assert.Equal(FeatureType.Bool, recipe.Features[3].InputType);
        Assert.Equal(0.25, recipe.HoldoutFraction);
        Assert.Equal(7, recipe.Seed);
        Assert.Empty(recipe.Check());
    }

    [Fact]
    public void Deserialize_MinimalRecipe_UsesDefaults()
    {
        var recipe = Parse("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"sdca-regression"}""");

        Assert.Empty(recipe.Check());
        Assert.Equal(TrainingRecipe.DefaultHoldoutFraction, recipe.HoldoutFraction);
        Assert.Equal(TrainingRecipe.DefaultSeed, recipe.Seed);
        Assert.Equal(FeatureType.Float, recipe.Features[0].InputType);
    }

    [Fact]
    public void ResolveHyperparameters_FillsDefaultsAndKeepsGivenValues()
    {
        var values = Parse(Sound).ResolveHyperparameters();

        Assert.Equal(15, values.Int("numberOfLeaves"));
        Assert.Equal(0.05f, values.Float("learningRate"));
        Assert.Equal(100, values.Int("numberOfIterations"));
    }

    [Fact]
    public void ResolveHyperparameters_AutoTunedOmitted_IsNull()
    {
        var recipe = Parse("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"sdca-regression"}""");

        Assert.Null(recipe.ResolveHyperparameters().OptionalFloat("l2Regularization"));
    }

    [Theory]
    [InlineData("""{"label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"lightgbm"}""", "task", "needs a task")]
    [InlineData("""{"task":"regression","features":[{"name":"x","kind":"numeric"}],"trainer":"sdca-regression"}""", "label", "must name a column")]
    [InlineData("""{"task":"regression","label":"y","features":[],"trainer":"sdca-regression"}""", "features", "no features")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"},{"name":"x","kind":"numeric"}],"trainer":"sdca-regression"}""", "features[1].name", "listed twice")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"y","kind":"numeric"}],"trainer":"sdca-regression"}""", "features[0].name", "also the label")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"a\"; drop","kind":"numeric"}],"trainer":"sdca-regression"}""", "features[0].name", "feature name")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"categorical","type":"float"}],"trainer":"sdca-regression"}""", "features[0].type", "numeric features only")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric","type":"string"}],"trainer":"sdca-regression"}""", "features[0].type", "float, double, int32 or int64")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"categorical","imputation":"mean"}],"trainer":"sdca-regression"}""", "features[0].imputation", "mean and median apply to numeric")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric","imputation":"constant"}],"trainer":"sdca-regression"}""", "features[0].fillValue", "gives no fillValue")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric","imputation":"constant","fillValue":"zero"}],"trainer":"sdca-regression"}""", "features[0].fillValue", "a finite number")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"boolean","imputation":"constant","fillValue":1}],"trainer":"sdca-regression"}""", "features[0].fillValue", "true or false")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric","fillValue":1}],"trainer":"sdca-regression"}""", "features[0].fillValue", "no imputation")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric","imputation":"mean","fillValue":1}],"trainer":"sdca-regression"}""", "features[0].fillValue", "only imputation 'constant'")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"xgboost"}""", "trainer", "Unknown trainer 'xgboost'. Known: lightgbm-regression, fasttree-regression, sdca-regression, lbfgs-poisson")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}]}""", "trainer", "names no trainer")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"lightgbm"}""", "trainer", "trains binaryClassification models, but the recipe's task is regression")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"lightgbm-regression","hyperparameters":{"leaves":3}}""", "hyperparameters.leaves", "has no hyperparameter 'leaves'. Known: numberOfIterations")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"lightgbm-regression","hyperparameters":{"numberOfLeaves":"many"}}""", "hyperparameters.numberOfLeaves", "must be an integer from 2 to 131072; got a string")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"lightgbm-regression","hyperparameters":{"numberOfLeaves":2.5}}""", "hyperparameters.numberOfLeaves", "not a whole number")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"lightgbm-regression","hyperparameters":{"numberOfLeaves":1}}""", "hyperparameters.numberOfLeaves", "got 1.")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"lightgbm-regression","hyperparameters":{"learningRate":0}}""", "hyperparameters.learningRate", "a number in (0, 1]")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"lightgbm-regression","hyperparameters":{"learningRate":1e400}}""", "hyperparameters.learningRate", "a number in (0, 1]")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"sdca-regression","holdoutFraction":0}""", "holdoutFraction", "greater than 0 and at most 0.5")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"sdca-regression","holdoutFraction":0.9}""", "holdoutFraction", "greater than 0 and at most 0.5")]
    [InlineData("""{"task":"regression","label":"y","features":[{"name":"x","kind":"numeric"}],"trainer":"sdca-regression","seed":-1}""", "seed", "zero or positive")]
    public void Check_UnsoundRecipe_NamesFieldAndProblem(string json, string field, string expected)
    {
        var errors = Parse(json).Check();

        Assert.Contains(errors, e => e.Field == field && e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Check_SeveralProblems_ReportsEveryOne()
    {
        var recipe = Parse("""
            {"task":"multiclassClassification","label":"","features":[{"name":"x","kind":"numeric","imputation":"constant"}],
             "trainer":"lbfgs-multiclass","hyperparameters":{"historySize":0,"bogus":true},"holdoutFraction":2}
            """);

        var fields = recipe.Check().Select(e => e.Field).ToHashSet();

        Assert.Superset(new HashSet<string?> { "label", "features[0].fillValue", "hyperparameters.historySize", "hyperparameters.bogus", "holdoutFraction" }, fields);
    }

    [Fact]
    public void Check_NullMembersFromJson_AreReportedNotThrown()
    {
        var recipe = Parse("""{"task":"regression","label":null,"features":null,"trainer":null,"hyperparameters":null}""");

        var fields = recipe.Check().Select(e => e.Field).ToHashSet();

        Assert.Superset(new HashSet<string?> { "label", "features", "trainer" }, fields);
    }

    [Fact]
    public void Check_NullFeatureEntry_IsReported()
    {
        var recipe = Parse("""{"task":"regression","label":"y","features":[null],"trainer":"sdca-regression"}""");

        Assert.Contains(recipe.Check(), e => e.Field == "features[0]");
    }

    [Fact]
    public void Check_HostileSizes_AreBoundedInMessages()
    {
        var longName = new string('x', 5_000);
        var recipe = new TrainingRecipe
        {
            Task = ModelTask.Regression,
            Label = "y",
            Features = Enumerable.Range(0, FeatureSchema.MaxFeatures + 1).Select(i => new RecipeFeature($"f{i}", FeatureKind.Numeric)).ToList(),
            Trainer = longName,
            Hyperparameters = new Dictionary<string, JsonElement> { [longName] = JsonSerializer.SerializeToElement(1) },
        };

        var errors = recipe.Check();

        Assert.Contains(errors, e => e.Field == "features" && e.Message.Contains("at most 2048", StringComparison.Ordinal));
        Assert.All(errors, e => Assert.True(e.Message.Length < 400, $"Message of {e.Message.Length} characters: the caller's input is echoed unbounded."));
    }

    [Fact]
    public void Check_EveryCatalogTrainer_AcceptsItsDefaults()
    {
        foreach (var trainer in TrainerCatalog.All)
        {
            var recipe = new TrainingRecipe
            {
                Task = trainer.Task,
                Label = "y",
                Features = [new RecipeFeature("x", FeatureKind.Numeric)],
                Trainer = trainer.Id,
            };

            Assert.Empty(recipe.Check());
        }
    }

    [Fact]
    public void TrainerCatalog_EachTask_HasALinearAndATreeTrainer()
    {
        foreach (var task in new[] { ModelTask.BinaryClassification, ModelTask.MulticlassClassification, ModelTask.Regression })
        {
            Assert.Contains(TrainerCatalog.For(task), t => t.Family == TrainerFamily.Linear);
            Assert.Contains(TrainerCatalog.For(task), t => t.Family == TrainerFamily.Trees);
        }
    }

    [Fact]
    public void ToFeatureSchema_ImputedFloats_AreNullableAndTypesFollowKinds()
    {
        var schema = Parse(Sound).ToFeatureSchema();

        Assert.Empty(schema.Check());
        Assert.Equal([FeatureType.Float, FeatureType.Int64, FeatureType.String, FeatureType.Bool], schema.Features.Select(f => f.Type));
        Assert.True(schema.Features[0].Nullable);
        Assert.False(schema.Features[1].Nullable);
    }

    [Fact]
    public void Serialize_RoundTrips()
    {
        var recipe = Parse(Sound);

        var again = Parse(JsonSerializer.Serialize(recipe, Json));

        Assert.Equal(JsonSerializer.Serialize(recipe, Json), JsonSerializer.Serialize(again, Json));
        Assert.Contains("\"mostFrequent\"", JsonSerializer.Serialize(recipe, Json), StringComparison.Ordinal);
    }
}
