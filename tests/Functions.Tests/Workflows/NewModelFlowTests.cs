using System.Net;
using System.Text.Json.Nodes;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Functions.Tests.Training;

namespace MLOps.Functions.Tests.Workflows;

/// <summary>
/// The first life of a new model with every trigger on: declare it, upload its data (validated by the blob trigger),
/// train on the validated file, and serve the challenger. Before models could be declared, the validator quarantined
/// the upload of a model with no version yet, racing the first training run for the file.
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed class NewModelFlowTests(LocalHostFixture host)
{
    [Fact]
    public async Task DeclaredModel_UploadValidatedThenTrained_ChallengerIsServed()
    {
        var model = Api.UniqueModel("flow");
        await (await host.Operator.PutAsync($"/api/models/{model}", new StringContent("""{"description":"end to end"}""", System.Text.Encoding.UTF8, "application/json"))).ExpectAsync(HttpStatusCode.Created);
        var data = TrainingData.Binary(rows: 1500, seed: 11);

        var uri = await TrainingData.UploadAsync(host, $"{model}/first.csv", TrainingData.Csv(data));
        var report = await WaitForReportAsync(model);
        var stillThere = await host.Blobs.GetBlobContainerClient(host.Names.DatasetsContainer).GetBlobClient($"{model}/first.csv").ExistsAsync();
        var job = await TrainingData.TrainAndWaitAsync(host.Operator, model, TrainingData.Request(data.Recipe("lightgbm"), uri));

        Assert.True(report["passed"]!.GetValue<bool>(), report.ToJsonString());
        Assert.True(stillThere.Value, "The validated upload was moved away before training could read it.");
        Assert.True(job["state"]!.GetValue<string>() == "succeeded", job.ToJsonString());
        var challenger = await (await host.Reader.GetAsync($"/api/models/{model}/aliases/challenger")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, challenger["version"]!.GetValue<int>());
        var datasets = await (await host.Reader.GetAsync($"/api/models/{model}/datasets")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(job["datasetSha256"]!.GetValue<string>(), datasets["items"]![0]!["sha256"]!.GetValue<string>());
    }

    [Fact]
    public async Task UndeclaredModel_Upload_IsQuarantinedAsUnknown()
    {
        var model = Api.UniqueModel("flow");

        await TrainingData.UploadAsync(host, $"{model}/orphan.csv", TrainingData.Csv(TrainingData.Binary(rows: 200)));
        var report = await WaitForReportAsync(model);

        Assert.False(report["passed"]!.GetValue<bool>());
        Assert.Contains("not registered", report.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    private async Task<JsonNode> WaitForReportAsync(string model)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var list = await (await host.Reader.GetAsync($"/api/datasets/validations?model={model}")).ExpectAsync(HttpStatusCode.OK);
            if (list["items"]!.AsArray() is [var first, ..])
            {
                return await (await host.Reader.GetAsync($"/api/datasets/validations/{first!["id"]!.GetValue<string>()}")).ExpectAsync(HttpStatusCode.OK);
            }

            Assert.True(DateTime.UtcNow < deadline, $"No validation report for '{model}' appeared in time.");
            await Task.Delay(250);
        }
    }
}
