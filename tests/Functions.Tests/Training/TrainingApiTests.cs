using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MLOps.Functions.Tests.Infrastructure;

namespace MLOps.Functions.Tests.Training;

/// <summary>What POST /train refuses before queueing anything, and the gates and job endpoints.</summary>
[Collection(TrainingHostCollection.Name)]
public sealed class TrainingApiTests(TrainingHostFixture host)
{
    private static readonly Lazy<byte[]> SmallCsv = new(() => TrainingData.Csv(TrainingData.Binary(rows: 300)));

    private async Task<string> UploadAsync(string model, byte[]? bytes = null, string file = "data.csv") =>
        await TrainingData.UploadAsync(host, $"{model}/{file}", bytes ?? SmallCsv.Value);

    private static JsonNode Recipe() => TrainingData.Request(TrainingData.Binary(rows: 300).Recipe("lightgbm"), "datasets/x.csv")["recipe"]!.DeepClone();

    private static string Body(JsonNode recipe, string datasetUri, JsonNode? gates = null) =>
        new JsonObject { ["recipe"] = recipe, ["datasetUri"] = datasetUri, ["gates"] = gates }.ToJsonString();

    /// <summary>Nothing was queued or registered for the model.</summary>
    private async Task AssertNothingHappenedAsync(string model)
    {
        using var jobs = await host.Reader.GetAsync($"/api/models/{model}/training");
        Assert.Equal(0, (await jobs.ExpectAsync(HttpStatusCode.OK))["count"]!.GetValue<int>());
        using var registered = await host.Reader.GetAsync($"/api/models/{model}");
        await registered.ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Train_MalformedRecipe_Is400NamingEveryProblem()
    {
        var model = Api.UniqueModel("bad-recipe");
        var uri = await UploadAsync(model);
        var recipe = Recipe();
        recipe["trainer"] = "xgboost";
        recipe["label"] = string.Empty;
        recipe["holdoutFraction"] = 0.9;
        recipe["features"]![0]!["imputation"] = "mean";
        recipe["features"]![4]!["imputation"] = "median"; // a categorical cannot take a median

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(recipe, uri));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var fields = problem.Errors().Select(e => e["field"]!.GetValue<string>()).ToList();
        Assert.Contains("recipe.trainer", fields);
        Assert.Contains("recipe.label", fields);
        Assert.Contains("recipe.holdoutFraction", fields);
        Assert.Contains("recipe.features[4].imputation", fields);
        Assert.Contains(problem.Errors(), e => e["message"]!.GetValue<string>().Contains("xgboost", StringComparison.Ordinal));
        await AssertNothingHappenedAsync(model);
    }

    [Theory]
    [InlineData("{\"numberOfLeaves\": 1}", "hyperparameters.numberOfLeaves")]
    [InlineData("{\"numberOfLeaves\": 2.5}", "hyperparameters.numberOfLeaves")]
    [InlineData("{\"learningRate\": \"fast\"}", "hyperparameters.learningRate")]
    [InlineData("{\"depth\": 3}", "hyperparameters.depth")]
    public async Task Train_BadHyperparameters_Are400NamingThem(string hyperparameters, string field)
    {
        var model = Api.UniqueModel("bad-hyper");
        var uri = await UploadAsync(model);
        var recipe = Recipe();
        recipe["hyperparameters"] = JsonNode.Parse(hyperparameters);

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(recipe, uri));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e["field"]!.GetValue<string>() == "recipe." + field);
        await AssertNothingHappenedAsync(model);
    }

    [Fact]
    public async Task Train_DatasetWithoutTheRecipesColumns_Is400NamingThem()
    {
        var model = Api.UniqueModel("missing-col");
        var csv = Encoding.UTF8.GetBytes("num_0,num_1,cat_0,label\n" + string.Concat(Enumerable.Repeat("1,2,a,true\n", 100)));
        var uri = await UploadAsync(model, csv);

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(Recipe(), uri));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var fields = problem.Errors().Select(e => e["field"]!.GetValue<string>()).ToList();
        Assert.Contains("num_2", fields);
        Assert.Contains("num_3", fields);
        Assert.Contains("flag_0", fields);
        Assert.Contains("does not match the recipe", problem.Detail(), StringComparison.Ordinal);
        await AssertNothingHappenedAsync(model);
    }

    [Fact]
    public async Task Train_DatasetWithoutTheLabel_Is400()
    {
        var model = Api.UniqueModel("no-label");
        var recipe = Recipe();
        recipe["label"] = "churned";
        var uri = await UploadAsync(model);

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(recipe, uri));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e["field"]!.GetValue<string>() == "churned" && e["message"]!.GetValue<string>().Contains("no label column", StringComparison.Ordinal));
        await AssertNothingHappenedAsync(model);
    }

    [Theory]
    [InlineData(0, "abc", "num_0")] // not a number
    [InlineData(5, "2", "flag_0")] // not a boolean
    [InlineData(6, "3", "label")] // not a binary class
    [InlineData(6, "", "label")] // label missing
    public async Task Train_CellsThatDoNotFitTheRecipe_Are400NamingColumnAndRow(int column, string value, string field)
    {
        var model = Api.UniqueModel("bad-cell");
        var csv = TrainingData.Csv(TrainingData.Binary(rows: 300, missing: 0), (row, c, cell) => row == 7 && c == column ? value : cell);
        var uri = await UploadAsync(model, csv);

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(Recipe(), uri));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var error = Assert.Single(problem.Errors());
        Assert.Equal(field, error["field"]!.GetValue<string>());
        Assert.Equal(8, error["row"]!.GetValue<int>());
        await AssertNothingHappenedAsync(model);
    }

    [Fact]
    public async Task Train_RegressionLabelThatIsNotANumber_Is400()
    {
        var model = Api.UniqueModel("bad-target");
        var data = TrainingData.Regression(rows: 200);
        var labelColumn = data.Columns.Count - 1;
        var csv = TrainingData.Csv(data, (row, c, cell) => row == 2 && c == labelColumn ? "high" : cell);
        var uri = await UploadAsync(model, csv);

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(System.Text.Json.JsonSerializer.SerializeToNode(data.Recipe("sdca-regression"), MLOps.Functions.Storage.JsonDefaults.Options)!, uri));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var error = Assert.Single(problem.Errors());
        Assert.Equal("label", error["field"]!.GetValue<string>());
        Assert.Equal(3, error["row"]!.GetValue<int>());
        Assert.Contains("not a finite number", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_ParquetColumnOfTheWrongDeclaredType_Is400NamingIt()
    {
        var model = Api.UniqueModel("bad-parquet");
        var schema = new Parquet.Schema.ParquetSchema(
            new Parquet.Schema.DataField<DateTime>("num_0"),
            new Parquet.Schema.DataField<bool>("label"));
        using var stream = new MemoryStream();
        await using (var writer = await Parquet.ParquetWriter.CreateAsync(schema, stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<DateTime>(schema.DataFields[0], Enumerable.Range(0, 100).Select(i => new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(i)).ToArray().AsMemory());
            await group.WriteAsync<bool>(schema.DataFields[1], Enumerable.Range(0, 100).Select(i => i % 2 == 0).ToArray().AsMemory());
        }

        var uri = await UploadAsync(model, stream.ToArray(), "data.parquet");
        var recipe = JsonNode.Parse("""{"task":"binaryClassification","label":"label","trainer":"lightgbm","features":[{"name":"num_0","kind":"numeric"}]}""")!;

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(recipe, uri));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var error = Assert.Single(problem.Errors());
        Assert.Equal("num_0", error["field"]!.GetValue<string>());
        Assert.Contains("datetime", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await AssertNothingHappenedAsync(model);
    }

    [Fact]
    public async Task Train_MissingValueWithoutImputation_Is400()
    {
        var model = Api.UniqueModel("no-impute");
        var csv = TrainingData.Csv(TrainingData.Binary(rows: 300, missing: 0), (row, c, cell) => row == 3 && c == 1 ? string.Empty : cell);
        var uri = await UploadAsync(model, csv);
        var recipe = Recipe();
        recipe["features"]![1]!.AsObject().Remove("imputation");

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(recipe, uri));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("no imputation", Assert.Single(problem.Errors())["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("models/x.csv")]
    [InlineData("datasets/../models/x.csv")]
    [InlineData("datasets/a/./b.csv")]
    [InlineData("datasets/%2e%2e/x.csv")]
    [InlineData("datasets/a%2Fb.csv")]
    [InlineData("datasets/a\\b.csv")]
    [InlineData("datasets//x.csv")]
    [InlineData("datasets/x.txt")]
    [InlineData("datasets/x.csv\u0000")]
    [InlineData("https://evil.example.com/devstoreaccount1/datasets/x.csv")]
    [InlineData("http://127.0.0.1:10000/otheraccount/datasets/x.csv")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/models/x.csv")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/datasets/x.csv?sv=2020&sig=abc")]
    [InlineData("file:///etc/passwd.csv")]
    [InlineData("")]
    public async Task Train_DatasetUriOutsideTheDatasetsContainer_Is400(string datasetUri)
    {
        var model = Api.UniqueModel("bad-uri");

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(Recipe(), datasetUri));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e["field"]!.GetValue<string>() == "datasetUri");
        await AssertNothingHappenedAsync(model);
    }

    [Fact]
    public async Task Train_FullBlobUrlOfThisAccount_IsAccepted()
    {
        var model = Api.UniqueModel("full-url");
        await UploadAsync(model);
        var url = host.Blobs.GetBlobContainerClient(host.Names.DatasetsContainer).GetBlobClient($"{model}/data.csv").Uri.AbsoluteUri;

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(Recipe(), url));

        var accepted = await response.ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal("queued", accepted["job"]!["state"]!.GetValue<string>());
        var job = await TrainingData.WaitAsync(host.Operator, accepted["statusUrl"]!.GetValue<string>());
        Assert.Equal("succeeded", job["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Train_DatasetThatDoesNotExist_Is400()
    {
        var model = Api.UniqueModel("no-data");

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(Recipe(), "datasets/nothing/here.csv"));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("No dataset", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_BinaryGarbageAsCsv_Is400()
    {
        var model = Api.UniqueModel("garbage");
        var uri = await UploadAsync(model, System.Security.Cryptography.RandomNumberGenerator.GetBytes(4096));

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(Recipe(), uri));

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        await AssertNothingHappenedAsync(model);
    }

    [Theory]
    [InlineData("{\"recipe\": ")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"recipe\": {\"task\": \"clustering\"}, \"datasetUri\": \"datasets/x.csv\"}")]
    [InlineData("{\"recipe\": {}, \"datasetUri\": \"datasets/x.csv\", \"extra\": 1}")]
    public async Task Train_BadJson_Is400(string body)
    {
        var model = Api.UniqueModel("bad-json");

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", body);

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        await AssertNothingHappenedAsync(model);
    }

    [Fact]
    public async Task Train_HugeBody_Is413()
    {
        var model = Api.UniqueModel("huge");
        var body = "{\"description\":\"" + new string('a', 200_000) + "\"}";

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", body);

        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Train_BadGates_Are400()
    {
        var model = Api.UniqueModel("bad-gates");
        var uri = await UploadAsync(model);
        var gates = JsonNode.Parse("""[{"metric":"r2","threshold":0.5,"direction":"higherIsBetter"},{"metric":"latencyP95Ms","threshold":5,"direction":"higherIsBetter"}]""");

        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/train", Body(Recipe(), uri, gates));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e["field"]!.GetValue<string>() == "gates[0].metric");
        Assert.Contains(problem.Errors(), e => e["field"]!.GetValue<string>() == "gates[1].direction");
    }

    [Fact]
    public async Task Train_ReaderOrAnonymous_Is403Or401()
    {
        var model = Api.UniqueModel("roles");
        var body = Body(Recipe(), "datasets/x.csv");

        using var reader = await host.Reader.PostJsonAsync($"/api/models/{model}/train", body);
        using var anonymous = await host.Anonymous.PostJsonAsync($"/api/models/{model}/train", body);
        using var gates = await host.Reader.PutAsync($"/api/models/{model}/gates", new StringContent("{\"gates\":[]}", Encoding.UTF8, "application/json"));
        using var jobs = await host.Anonymous.GetAsync($"/api/models/{model}/training");

        await reader.ExpectProblemAsync(HttpStatusCode.Forbidden);
        await anonymous.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await gates.ExpectProblemAsync(HttpStatusCode.Forbidden);
        await jobs.ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("20261130T024000-0a1b2c3d4")]
    [InlineData("..%2F..%2Fx")]
    public async Task GetJob_BadId_Is400_UnknownId_Is404(string jobId)
    {
        var model = Api.UniqueModel("job-id");

        using var bad = await host.Reader.GetAsync($"/api/models/{model}/training/{jobId}");
        using var unknown = await host.Reader.GetAsync($"/api/models/{model}/training/20261130T024000-0a1b2c3d4e");

        // A 404 here would not tell the id check from a lookup of an unknown job: the bad id must be refused as such.
        var problem = await bad.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e["field"]!.GetValue<string>() == "jobId");
        await unknown.ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Gates_PutThenGet_AreStoredWithETagAndUsedByTraining()
    {
        var model = Api.UniqueModel("gates");
        await host.Operator.RegisterAsync(model, MLOps.Samples.SampleModels.ChurnClassifier(), MLOps.Samples.SampleModels.ChurnMetadataJson());
        using (var defaults = await host.Reader.GetAsync($"/api/models/{model}/gates"))
        {
            var body = await defaults.ExpectAsync(HttpStatusCode.OK);
            Assert.True(body["isDefault"]!.GetValue<bool>());
            Assert.Equal(4, body["gates"]!.AsArray().Count);
        }

        var gates = """{"gates":[{"metric":"auc","threshold":0.99999,"direction":"higherIsBetter","kind":"absolute"}]}""";
        using var put = await host.Operator.PutAsync($"/api/models/{model}/gates", new StringContent(gates, Encoding.UTF8, "application/json"));
        var stored = await put.ExpectAsync(HttpStatusCode.OK);
        Assert.False(stored["isDefault"]!.GetValue<bool>());
        var etag = put.Headers.ETag!.Tag;

        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/models/{model}/gates") { Content = new StringContent(gates, Encoding.UTF8, "application/json") };
        stale.Headers.TryAddWithoutValidation("If-Match", "W/\"datetime'2000-01-01T00%3A00%3A00Z'\"");
        using var staleResponse = await host.Operator.SendAsync(stale);
        await staleResponse.ExpectProblemAsync(HttpStatusCode.PreconditionFailed);

        using var get = await host.Reader.GetAsync($"/api/models/{model}/gates");
        Assert.Equal(etag, get.Headers.ETag!.Tag);
        Assert.Equal(0.99999, (await get.ExpectAsync(HttpStatusCode.OK))["gates"]![0]!["threshold"]!.GetValue<double>());

        // A job without gates of its own uses the stored ones.
        var uri = await UploadAsync(model);
        var job = await TrainingData.TrainAndWaitAsync(host.Operator, model, TrainingData.Request(TrainingData.Binary(rows: 300).Recipe("lightgbm"), uri));
        Assert.Equal("rejected", job["state"]!.GetValue<string>());
        Assert.Single(job["gates"]!["gates"]!.AsArray());
    }

    [Theory]
    [InlineData("""{"gates":[{"metric":"auc","threshold":0.5}]}""")]
    [InlineData("""{"gates":[{"metric":"auc","threshold":0.5,"direction":"sideways"}]}""")]
    [InlineData("""{"gates":[{"metric":"nope","threshold":0.5,"direction":"higherIsBetter"}]}""")]
    [InlineData("""{"gates":[null]}""")]
    [InlineData("""{}""")]
    public async Task Gates_Invalid_Are400(string body)
    {
        var model = Api.UniqueModel("gates-bad");
        await host.Operator.RegisterAsync(model, MLOps.Samples.SampleModels.ChurnClassifier(), MLOps.Samples.SampleModels.ChurnMetadataJson());

        using var response = await host.Operator.PutAsync($"/api/models/{model}/gates", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Gates_UnknownModel_Is404()
    {
        using var response = await host.Reader.GetAsync($"/api/models/{Api.UniqueModel("nogates")}/gates");

        await response.ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
