using System.Net;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Http;

[Collection(LocalHostCollection.Name)]
public sealed class InferenceV2Tests(LocalHostFixture host)
{
    private const string Request = """
        {"id":"req-1","inputs":[
          {"name":"pixels","shape":[2,4],"datatype":"UINT8","data":[[1,2,3,4],[10,20,30,255]]},
          {"name":"scale","shape":[2,1],"datatype":"FP64","data":[0.5,2]},
          {"name":"ids","shape":[2,2],"datatype":"INT32","data":[1,2,-3,40]}]}
        """;

    private async Task<string> TypedModel()
    {
        var model = Api.UniqueModel("v2");
        await host.Operator.RegisterAsync(model, SampleModels.MultiInputTyped(), null);
        await host.Operator.SetAliasAsync(model, "champion", 1);
        return model;
    }

    [Fact]
    public async Task Infer_SeveralInputsOfNonFloatTypes_ComputesOutputs()
    {
        var model = await TypedModel();

        using var response = await host.Reader.PostJsonAsync($"/api/v2/models/{model}/infer", Request);
        var answer = await response.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(model, answer["model_name"]!.GetValue<string>());
        Assert.Equal("1", answer["model_version"]!.GetValue<string>());
        Assert.Equal("req-1", answer["id"]!.GetValue<string>());
        Assert.Equal(2, answer["parameters"]!["prediction_ids"]!.AsArray().Count);
        var outputs = answer["outputs"]!.AsArray().ToDictionary(o => o!["name"]!.GetValue<string>());
        Assert.Equal("FP32", outputs["features"]!["datatype"]!.GetValue<string>());
        Assert.Equal([2L, 4L], outputs["features"]!["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
        Assert.Equal([0.5, 1, 1.5, 2, 20, 40, 60, 510], outputs["features"]!["data"]!.AsArray().Select(d => d!.GetValue<double>()));
        Assert.Equal("INT64", outputs["id_sum"]!["datatype"]!.GetValue<string>());
        Assert.Equal([3L, 37L], outputs["id_sum"]!["data"]!.AsArray().Select(d => d!.GetValue<long>()));
    }

    [Fact]
    public async Task Infer_Rows_AreLoggedUnderTheAnswersIdsAndTheAnswerHasALength()
    {
        var model = await TypedModel();

        using var response = await host.Reader.PostJsonAsync($"/api/v2/models/{model}/infer", Request);
        var answer = await response.ExpectAsync(HttpStatusCode.OK);

        // Laid out before it is sent: one write with a Content-Length, not a chunked answer.
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.True(response.Content.Headers.ContentLength > 0, "The V2 answer has no Content-Length.");
        var ids = answer["parameters"]!["prediction_ids"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
        var container = host.Blobs.GetBlobContainerClient(host.Names.PredictionsContainer);
        var lines = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        for (var attempt = 0; attempt < 100 && lines.Count < ids.Count; attempt++)
        {
            await Task.Delay(200);
            lines.Clear();
            await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{model}/v1/", CancellationToken.None))
            {
                var content = await PredictionLogBlobs.ReadTextAsync(container, item.Name);
                foreach (var line in content.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!))
                {
                    lines[line["predictionId"]!.GetValue<string>()] = line;
                }
            }
        }

        Assert.Equal(ids.ToHashSet(), lines.Keys.ToHashSet());
        Assert.Equal([1, 2, 3, 4], lines[ids[0]]["inputs"]!["pixels"]!.AsArray().Select(v => v!.GetValue<int>()));
        Assert.Equal([10, 20, 30, 255], lines[ids[1]]["inputs"]!["pixels"]!.AsArray().Select(v => v!.GetValue<int>()));

        // A log line's outputs have the shape of a row of the records answer, where tensors other than label,
        // probabilities and value sit under "outputs"; V2 rows have only such tensors.
        Assert.Equal(3L, lines[ids[0]]["outputs"]!["outputs"]!["id_sum"]!.GetValue<long>());
        Assert.Equal(37L, lines[ids[1]]["outputs"]!["outputs"]!["id_sum"]!.GetValue<long>());
    }

    [Fact]
    public async Task Infer_VersionRouteAndRequestedOutputs_ReturnsOnlyThose()
    {
        var model = await TypedModel();
        var request = Request.Replace("\"id\":\"req-1\",", "\"outputs\":[{\"name\":\"id_sum\"}],", StringComparison.Ordinal);

        using var response = await host.Reader.PostJsonAsync($"/api/v2/models/{model}/versions/1/infer", request);
        var answer = await response.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("id_sum", Assert.Single(answer["outputs"]!.AsArray())!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Metadata_DescribesInputsAndOutputsInV2Terms()
    {
        var model = await TypedModel();

        var metadata = await (await host.Reader.GetAsync($"/api/v2/models/{model}")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("onnxruntime_onnx", metadata["platform"]!.GetValue<string>());
        var inputs = metadata["inputs"]!.AsArray().ToDictionary(i => i!["name"]!.GetValue<string>(), i => i!["datatype"]!.GetValue<string>());
        Assert.Equal("UINT8", inputs["pixels"]);
        Assert.Equal("FP64", inputs["scale"]);
        Assert.Equal("INT32", inputs["ids"]);
        Assert.Equal(["1"], metadata["versions"]!.AsArray().Select(v => v!.GetValue<string>()));
        await (await host.Reader.GetAsync($"/api/v2/models/{model}/ready")).ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"pixels","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", "takes UINT8")]
    [InlineData("""{"inputs":[{"name":"pixels","shape":[1,4],"datatype":"UINT8","data":[1,2,3,256]},{"name":"scale","shape":[1,1],"datatype":"FP64","data":[1]},{"name":"ids","shape":[1,2],"datatype":"INT32","data":[1,2]}]}""", "from 0 to 255")]
    [InlineData("""{"inputs":[{"name":"pixels","shape":[1,3],"datatype":"UINT8","data":[1,2,3]}]}""", "takes [N,4]")]
    [InlineData("""{"inputs":[{"name":"pixels","shape":[1,4],"datatype":"UINT8","data":[1,2,3]}]}""", "but 3 values")]
    [InlineData("""{"inputs":[{"name":"pixels","shape":[1,4],"datatype":"UINT8","data":[1,2,3,4]}]}""", "'scale'")]
    [InlineData("""{"inputs":[{"name":"image","shape":[1,4],"datatype":"UINT8","data":[1,2,3,4]}]}""", "no input 'image'")]
    [InlineData("""{"inputs":[{"name":"pixels","shape":[1,4],"datatype":"UINT8","data":["a","b","c","d"]}]}""", "whole number")]
    [InlineData("""{"inputs":[{"name":"pixels","shape":[-1,4],"datatype":"UINT8","data":[]}]}""", "0 or more")]
    [InlineData("""{"inputs":[]}""", "non-empty")]
    [InlineData("""{"inputs":[{"name":"pixels","shape":[1,4],"datatype":"UINT8","data":[1,2,3,4]},{"name":"scale","shape":[1,1],"datatype":"FP64","data":[1]},{"name":"ids","shape":[1,2],"datatype":"INT32","data":[1,2]}],"outputs":[{"name":"nope"}]}""", "no output 'nope'")]
    [InlineData("""{"inputs":[{"name":"pixels","shape":[1,4],"datatype":"UINT8","data":[1,2,3,4]}],"extra":1}""", "Unexpected property 'extra'")]
    public async Task Infer_BadTensor_Is400NamingTheProblem(string body, string expected)
    {
        var model = await TypedModel();

        using var response = await host.Reader.PostJsonAsync($"/api/v2/models/{model}/infer", body);

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var text = problem.Detail() + " " + string.Join(" ", problem.Errors().Select(e => e["message"]!.GetValue<string>()));
        Assert.Contains(expected, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Infer_HugeShape_Is413WithoutAllocating()
    {
        var model = await TypedModel();
        using var response = await host.Reader.PostJsonAsync($"/api/v2/models/{model}/infer", """{"inputs":[{"name":"pixels","shape":[100000000000,4],"datatype":"UINT8","data":[1]}]}""");
        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Infer_TabularModel_WorksOnTheSameRegistry()
    {
        var model = Api.UniqueModel("v2tab");
        await host.Operator.RegisterAsync(model, SampleModels.HousePriceRegressor(), SampleModels.HousePriceMetadataJson());
        await host.Operator.SetAliasAsync(model, "champion", 1);

        var body = """{"inputs":[{"name":"sqft","shape":[1,1],"datatype":"FP32","data":[1000]},{"name":"bedrooms","shape":[1,1],"datatype":"INT64","data":[2]},{"name":"city","shape":[1,1],"datatype":"BYTES","data":["boston"]}]}""";
        var answer = await (await host.Reader.PostJsonAsync($"/api/v2/models/{model}/infer", body)).ExpectAsync(HttpStatusCode.OK);
        var records = await (await host.Reader.PostJsonAsync($"/api/models/{model}/predict", """{"inputs":[{"sqft":1000,"bedrooms":2,"city":"boston"}]}""")).ExpectAsync(HttpStatusCode.OK);

        var expected = 50_000 + (150 * 1000) + (10_000 * 2) + 120_000;
        Assert.Equal(expected, answer["outputs"]![0]!["data"]![0]!.GetValue<double>(), 0);
        Assert.Equal(expected, records["predictions"]![0]!["value"]!.GetValue<double>(), 0);
    }

    [Fact]
    public async Task Predict_PackedInputModel_TakesNamedRecordsAndNamesClasses()
    {
        var model = Api.UniqueModel("iris");
        await host.Operator.RegisterAsync(model, SampleModels.PackedIrisClassifier(), SampleModels.PackedIrisMetadataJson());
        await host.Operator.SetAliasAsync(model, "champion", 1);

        var answer = await (await host.Reader.PostJsonAsync($"/api/models/{model}/predict", """{"inputs":[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]}""")).ExpectAsync(HttpStatusCode.OK);

        var probabilities = answer["predictions"]![0]!["probabilities"]!.AsObject();
        Assert.Equal(["setosa", "versicolor", "virginica"], probabilities.Select(p => p.Key));
        Assert.Equal(1.0, probabilities.Sum(p => p.Value!.GetValue<double>()), 5);
    }

    [Fact]
    public async Task Predict_ModelWithoutRecordSchema_PointsToV2()
    {
        var model = await TypedModel();

        using var response = await host.Reader.PostJsonAsync($"/api/models/{model}/predict", """{"inputs":[{"pixels":1}]}""");

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("/api/v2/models", problem.Detail(), StringComparison.Ordinal);
    }
}
