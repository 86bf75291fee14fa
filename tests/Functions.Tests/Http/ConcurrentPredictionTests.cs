using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Http;

/// <summary>
/// Many different records scored at once (so requests overlap, and dynamic batching combines them) each get their own
/// answer, and the prediction log holds each request's own inputs.
/// </summary>
/// <remarks>
/// This caught a request body's pooled buffer going back to the pool while its JSON document still read from it: under
/// overlapping requests another request's bytes showed up in the log, and as malformed numbers.
/// </remarks>
[Collection(LocalHostCollection.Name)]
public sealed class ConcurrentPredictionTests(LocalHostFixture host)
{
    [Fact]
    public async Task Predict_ManyOverlappingRequests_EachGetsItsOwnAnswerAndLogLine()
    {
        var model = Api.UniqueModel("overlap");
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        await host.Operator.SetAliasAsync(model, "champion", 1);
        var records = SampleData.ChurnRows(240, seed: 77).Select(r => JsonSerializer.Serialize(new { inputs = new[] { SampleData.ToRecord(r) } })).ToList();
        var expected = new List<JsonNode>();
        foreach (var body in records.Take(40))
        {
            expected.Add((await (await host.Reader.PostJsonAsync($"/api/models/{model}/predict", body)).ExpectAsync(HttpStatusCode.OK))["predictions"]![0]!);
        }

        var answers = new JsonNode[records.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, records.Count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            using var response = await host.Reader.PostJsonAsync($"/api/models/{model}/predict", records[i]);
            answers[i] = (await response.ExpectAsync(HttpStatusCode.OK))["predictions"]![0]!;
        });

        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i]["label"]!.GetValue<long>(), answers[i]["label"]!.GetValue<long>());
            foreach (var (label, probability) in expected[i]["probabilities"]!.AsObject())
            {
                Assert.Equal(probability!.GetValue<double>(), answers[i]["probabilities"]![label]!.GetValue<double>(), 1e-6);
            }
        }

        // Every logged line carries the inputs of the request that got its prediction id.
        var byId = answers.Select((a, i) => (Id: a["predictionId"]!.GetValue<string>(), Record: JsonNode.Parse(records[i])!["inputs"]![0]!.ToJsonString()))
            .ToDictionary(p => p.Id, p => p.Record, StringComparer.Ordinal);
        var logged = await WaitForLogAsync(host.Blobs.GetBlobContainerClient(host.Names.PredictionsContainer), model, byId.Keys);
        foreach (var (id, inputs) in byId)
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(inputs), logged[id]), $"Prediction {id} was logged with other inputs: {logged[id]!.ToJsonString()} instead of {inputs}.");
        }
    }

    private static async Task<Dictionary<string, JsonNode?>> WaitForLogAsync(BlobContainerClient container, string model, IEnumerable<string> ids)
    {
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var found = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = model + "/" }))
            {
                var text = await PredictionLogBlobs.ReadTextAsync(container, blob.Name);
                foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    var row = JsonNode.Parse(line)!;
                    found[row["predictionId"]!.GetValue<string>()] = row["inputs"];
                }
            }

            if (wanted.IsSubsetOf(found.Keys))
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Only {wanted.Count(found.ContainsKey)} of {wanted.Count} predictions reached the log in time.");
            await Task.Delay(250);
        }
    }
}
