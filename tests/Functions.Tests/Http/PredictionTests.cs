using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Http;

[Collection(LocalHostCollection.Name)]
public sealed class PredictionTests(LocalHostFixture host)
{
    private const string Row = """{"age":41,"tenure_months":12,"monthly_charges":70.5,"plan":"pro","has_support":true}""";
    private static readonly byte[] Churn = SampleModels.ChurnClassifier();

    private async Task<string> ChampionModel()
    {
        var model = Api.UniqueModel("pred");
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        await host.Operator.SetAliasAsync(model, "champion", 1);
        return model;
    }

    private Task<HttpResponseMessage> Predict(string model, string body, string query = "") =>
        host.Reader.PostJsonAsync($"/api/models/{model}/predict{query}", body);

    [Fact]
    public async Task Predict_Champion_ReturnsLabelProbabilitiesAndIdsPerRow()
    {
        var model = await ChampionModel();

        using var response = await Predict(model, $$"""{"inputs":[{{Row}},{"age":70,"tenure_months":1,"monthly_charges":300,"plan":"basic","has_support":false}]}""");
        var answer = await response.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(model, answer["model"]!.GetValue<string>());
        Assert.Equal(1, answer["version"]!.GetValue<int>());
        Assert.Equal("champion", answer["alias"]!.GetValue<string>());
        var predictions = answer["predictions"]!.AsArray();
        Assert.Equal(2, predictions.Count);
        Assert.NotEqual(predictions[0]!["predictionId"]!.GetValue<string>(), predictions[1]!["predictionId"]!.GetValue<string>());
        foreach (var p in predictions)
        {
            var probabilities = p!["probabilities"]!.AsObject();
            Assert.Equal(2, probabilities.Count);
            Assert.Equal(1.0, probabilities.Sum(c => c.Value!.GetValue<double>()), 5);
            var label = p["label"]!.GetValue<long>();
            var best = probabilities.MaxBy(c => c.Value!.GetValue<double>()).Key;
            Assert.Equal(best, label.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // The expensive short-tenure, unsupported customer churns more than the supported one.
        Assert.True(predictions[1]!["probabilities"]!["1"]!.GetValue<double>() > predictions[0]!["probabilities"]!["1"]!.GetValue<double>());
    }

    [Fact]
    public async Task Predict_VersionAndAliasOverrides_SelectThatVersion()
    {
        var model = await ChampionModel();
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        await host.Operator.SetAliasAsync(model, "challenger", 2);

        var byVersion = await (await Predict(model, $$"""{"inputs":[{{Row}}]}""", "?version=2")).ExpectAsync(HttpStatusCode.OK);
        var byAlias = await (await Predict(model, $$"""{"inputs":[{{Row}}]}""", "?alias=challenger")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(2, byVersion["version"]!.GetValue<int>());
        Assert.Null(byVersion["alias"]);
        Assert.Equal(2, byAlias["version"]!.GetValue<int>());
        Assert.Equal("challenger", byAlias["alias"]!.GetValue<string>());
    }

    [Fact]
    public async Task Predict_AfterAliasMove_ServesNewVersion()
    {
        var model = await ChampionModel();
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        await (await Predict(model, $$"""{"inputs":[{{Row}}]}""")).ExpectAsync(HttpStatusCode.OK);

        await host.Operator.SetAliasAsync(model, "champion", 2);
        var answer = await (await Predict(model, $$"""{"inputs":[{{Row}}]}""")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(2, answer["version"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("""{"age":41,"monthly_charges":70.5,"plan":"pro","has_support":true}""", "tenure_months", "missing")]
    [InlineData("""{"age":41,"tenure_months":12,"monthly_charges":70.5,"plan":"pro","has_support":true,"zip":"90210"}""", "zip", "Unknown feature")]
    [InlineData("""{"age":"41","tenure_months":12,"monthly_charges":70.5,"plan":"pro","has_support":true}""", "age", "must be a number")]
    [InlineData("""{"age":"NaN","tenure_months":12,"monthly_charges":70.5,"plan":"pro","has_support":true}""", "age", "must be a number")]
    [InlineData("""{"age":41,"tenure_months":12,"monthly_charges":1e400,"plan":"pro","has_support":true}""", "monthly_charges", "not a finite")]
    [InlineData("""{"age":150,"tenure_months":12,"monthly_charges":70.5,"plan":"pro","has_support":true}""", "age", "outside the accepted range")]
    [InlineData("""{"age":41,"tenure_months":12.5,"monthly_charges":70.5,"plan":"pro","has_support":true}""", "tenure_months", "whole number")]
    [InlineData("""{"age":41,"tenure_months":12,"monthly_charges":70.5,"plan":"platinum","has_support":true}""", "plan", "not one of")]
    [InlineData("""{"age":41,"tenure_months":12,"monthly_charges":70.5,"plan":"pro","has_support":1}""", "has_support", "true or false")]
    public async Task Predict_BadRecord_Is400NamingFieldAndRow(string badRow, string field, string message)
    {
        var model = await ChampionModel();

        using var response = await Predict(model, $$"""{"inputs":[{{Row}},{{badRow}}]}""");

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var error = Assert.Single(problem.Errors());
        Assert.Equal(field, error["field"]!.GetValue<string>());
        Assert.Equal(1, error["row"]!.GetValue<int>());
        Assert.Contains(message, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"inputs\":[", HttpStatusCode.BadRequest)]
    [InlineData("[]", HttpStatusCode.BadRequest)]
    [InlineData("{}", HttpStatusCode.BadRequest)]
    [InlineData("{\"inputs\":{}}", HttpStatusCode.BadRequest)]
    [InlineData("{\"inputs\":[],\"x\":1}", HttpStatusCode.BadRequest)]
    [InlineData("{\"inputs\":[]}", HttpStatusCode.BadRequest)]
    [InlineData("null", HttpStatusCode.BadRequest)]
    [InlineData("\u0000\u0001\u0002", HttpStatusCode.BadRequest)]
    [InlineData("", HttpStatusCode.BadRequest)]
    public async Task Predict_MalformedBody_Is400(string body, HttpStatusCode status)
    {
        var model = await ChampionModel();
        using var response = await Predict(model, body);
        await response.ExpectProblemAsync(status);
    }

    [Fact]
    public async Task Predict_DeeplyNestedJson_Is400()
    {
        var model = await ChampionModel();
        var body = "{\"inputs\":" + new string('[', 5000) + new string(']', 5000) + "}";
        using var response = await Predict(model, body);
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Predict_TooManyRows_Is413()
    {
        var model = await ChampionModel();
        var rows = string.Join(",", Enumerable.Repeat(Row, LocalHostFixture.MaxBatchRows + 1));
        using var response = await Predict(model, $$"""{"inputs":[{{rows}}]}""");
        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Predict_BodyOverLimit_Is413()
    {
        var model = await ChampionModel();
        var padding = new string(' ', (int)LocalHostFixture.MaxRequestBytes);
        using var response = await Predict(model, $$"""{"inputs":[{{Row}}]{{padding}}}""");
        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Predict_ChunkedBodyOverLimit_Is413()
    {
        var model = await ChampionModel();
        var bytes = Encoding.UTF8.GetBytes($$"""{"inputs":[{{Row}}]{{new string(' ', (int)LocalHostFixture.MaxRequestBytes)}}}""");
        using var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/models/{model}/predict") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await host.Reader.SendAsync(request);
        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Predict_WrongContentType_Is415()
    {
        var model = await ChampionModel();
        using var response = await host.Reader.PostAsync($"/api/models/{model}/predict", new StringContent(Row, Encoding.UTF8, "text/csv"));
        await response.ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("", HttpStatusCode.NotFound)]
    [InlineData("?version=9", HttpStatusCode.NotFound)]
    [InlineData("?version=x", HttpStatusCode.BadRequest)]
    [InlineData("?alias=nobody", HttpStatusCode.NotFound)]
    [InlineData("?alias=Bad!", HttpStatusCode.BadRequest)]
    [InlineData("?version=1&alias=champion", HttpStatusCode.BadRequest)]
    public async Task Predict_UnresolvableModel_IsProblem(string query, HttpStatusCode status)
    {
        var model = Api.UniqueModel("nochamp");
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());

        using var response = await Predict(model, $$"""{"inputs":[{{Row}}]}""", query);

        await response.ExpectProblemAsync(status);
    }

    [Fact]
    public async Task Predict_UnknownModel_Is404()
    {
        using var response = await Predict("never-registered", $$"""{"inputs":[{{Row}}]}""");
        var problem = await response.ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("never-registered", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_ArchivedVersion_Is409()
    {
        var model = Api.UniqueModel("archpred");
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        (await host.Operator.PostAsync($"/api/models/{model}/versions/1/archive", null)).Dispose();

        using var response = await Predict(model, $$"""{"inputs":[{{Row}}]}""", "?version=1");

        await response.ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Predict_TamperedArtifact_IsRefusedNotServed()
    {
        var model = Api.UniqueModel("tamper");
        var version = await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        var path = $"{model}/sha256/{version["sha256"]!.GetValue<string>()}.onnx";
        var blob = host.Blobs.GetBlobContainerClient(host.Names.ModelsContainer).GetBlobClient(path);
        var tampered = (byte[])Churn.Clone();
        tampered[^1] ^= 0xFF;
        await blob.UploadAsync(new BinaryData(tampered), overwrite: true);

        using var response = await Predict(model, $$"""{"inputs":[{{Row}}]}""", "?version=1");

        var problem = await response.ExpectProblemAsync(HttpStatusCode.InternalServerError);
        Assert.Contains("integrity", problem["title"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Predict_Rows_AreAppendedToThePredictionLog()
    {
        var model = await ChampionModel();
        var answer = await (await Predict(model, $$"""{"inputs":[{{Row}},{{Row}},{{Row}}]}""")).ExpectAsync(HttpStatusCode.OK);
        var ids = answer["predictions"]!.AsArray().Select(p => p!["predictionId"]!.GetValue<string>()).ToHashSet();

        var container = host.Blobs.GetBlobContainerClient(host.Names.PredictionsContainer);
        var lines = new List<JsonNode>();
        for (var attempt = 0; attempt < 50 && lines.Count < 3; attempt++)
        {
            await Task.Delay(200);
            lines.Clear();
            await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{model}/v1/", CancellationToken.None))
            {
                var content = await PredictionLogBlobs.ReadTextAsync(container, item.Name);
                lines.AddRange(content.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!));
            }
        }

        Assert.Equal(ids, lines.Select(l => l["predictionId"]!.GetValue<string>()).ToHashSet());
        var line = lines[0];
        Assert.Equal(model, line["model"]!.GetValue<string>());
        Assert.Equal(1, line["version"]!.GetValue<int>());
        Assert.Equal("pro", line["inputs"]!["plan"]!.GetValue<string>());
        Assert.NotNull(line["outputs"]!["probabilities"]);
    }
}
