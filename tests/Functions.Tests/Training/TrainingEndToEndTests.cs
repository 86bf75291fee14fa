using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MLOps.Functions.Tests.Infrastructure;

namespace MLOps.Functions.Tests.Training;

/// <summary>Datasets uploaded to Azurite, trained through the API and the queue, served, compared and documented.</summary>
[Collection(TrainingHostCollection.Name)]
public sealed class TrainingEndToEndTests(TrainingHostFixture host)
{
    [Fact]
    public async Task Train_CsvDataset_RegistersChallengerServedWithProfileCardAndEvaluation()
    {
        var model = Api.UniqueModel("train-csv");
        var data = TrainingData.Binary();
        var csv = TrainingData.Csv(data);
        var uri = await TrainingData.UploadAsync(host, $"{model}/data.csv", csv);

        var job = await TrainingData.TrainAndWaitAsync(host.Operator, model, TrainingData.Request(data.Recipe("lightgbm"), uri, intendedUse: "Tests only."));

        Assert.True(job["state"]!.GetValue<string>() == "succeeded", job.ToJsonString());
        Assert.Equal(100, job["progress"]!.GetValue<int>());
        var version = job["resultVersion"]!.GetValue<int>();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(csv)), job["datasetSha256"]!.GetValue<string>());
        Assert.InRange(job["metrics"]!["auc"]!.GetValue<double>(), 0.8, 1.0);
        Assert.True(job["gates"]!["passed"]!.GetValue<bool>());
        Assert.Equal(400, job["split"]!["holdoutRows"]!.GetValue<long>());

        // The challenger alias points at it, and the prediction API serves it.
        using var alias = await host.Reader.GetAsync($"/api/models/{model}/aliases/challenger");
        Assert.Equal(version, (await alias.ExpectAsync(HttpStatusCode.OK))["version"]!.GetValue<int>());
        var record = new JsonObject { ["num_0"] = 0.5, ["num_1"] = -1.0, ["num_2"] = null, ["num_3"] = 2.0, ["cat_0"] = "cat_0_v1", ["flag_0"] = true };
        using var predict = await host.Reader.PostJsonAsync($"/api/models/{model}/predict?alias=challenger", new JsonObject { ["inputs"] = new JsonArray(record) }.ToJsonString());
        var prediction = (await predict.ExpectAsync(HttpStatusCode.OK))["predictions"]![0]!;
        var probabilities = prediction["probabilities"]!.AsObject();
        Assert.Equal(1.0, probabilities.Sum(p => p.Value!.GetValue<double>()), 5);

        // Lineage, metrics and tags on the version.
        using var versionResponse = await host.Reader.GetAsync($"/api/models/{model}/versions/{version}");
        var registered = await versionResponse.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(job["datasetSha256"]!.GetValue<string>(), registered["lineage"]!["datasetSha256"]!.GetValue<string>());
        Assert.EndsWith($"{model}/data.csv", registered["lineage"]!["datasetUri"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(job["jobId"]!.GetValue<string>(), registered["tags"]!["trainingJob"]!.GetValue<string>());
        Assert.Equal("label", registered["tags"]!["labelColumn"]!.GetValue<string>());

        // Documents stored with the version.
        var models = TrainingData.Models(host);
        var profile = JsonNode.Parse((await models.GetBlobClient($"{model}/v{version}/reference-profile.json").DownloadContentAsync()).Value.Content.ToString())!;
        Assert.Equal(1600, profile["rows"]!.GetValue<long>());
        Assert.Equal(6, profile["features"]!.AsArray().Count);
        Assert.NotNull(profile["features"]![0]!["numeric"]!["binEdges"]);
        Assert.Equal(400, profile["predictions"]!["scores"]!["sample"]!.AsArray().Count);
        // The profile's scores name the class they are the probability of, by the rule the drift check applies.
        var classLabels = registered["classLabels"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        Assert.Equal(MLOps.Domain.Profiles.PositiveClass.Of(classLabels), profile["predictions"]!["positiveClass"]!.GetValue<string>());
        var evaluation = JsonNode.Parse((await models.GetBlobClient($"{model}/v{version}/evaluation.json").DownloadContentAsync()).Value.Content.ToString())!;
        Assert.NotNull(evaluation["candidate"]!["classification"]!["calibration"]);
        Assert.NotNull(evaluation["candidate"]!["classification"]!["confusionMatrix"]);
        var card = JsonNode.Parse((await models.GetBlobClient($"{model}/v{version}/model-card.json").DownloadContentAsync()).Value.Content.ToString())!;
        Assert.Equal("Tests only.", card["intendedUse"]!.GetValue<string>());
        Assert.Equal(job["datasetSha256"]!.GetValue<string>(), card["data"]!["sha256"]!.GetValue<string>());
        Assert.NotEmpty(card["limitations"]!.AsArray());
        var markdown = (await models.GetBlobClient($"{model}/v{version}/model-card.md").DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains("## Intended use", markdown, StringComparison.Ordinal);
        Assert.Contains("## Quality gates: passed", markdown, StringComparison.Ordinal);

        // A second delivery of the same queue message (at-least-once) changes nothing.
        await host.Service<MLOps.Functions.Training.TrainingQueue>().EnqueueAsync(new(model, job["jobId"]!.GetValue<string>()), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(3));
        using var again = await host.Reader.GetAsync($"/api/models/{model}/training/{job["jobId"]!.GetValue<string>()}");
        Assert.Equal(job["completedAt"]!.ToJsonString(), (await again.ExpectAsync(HttpStatusCode.OK))["completedAt"]!.ToJsonString());
        using var all = await host.Reader.GetAsync($"/api/models/{model}/versions");
        Assert.Equal(1, (await all.ExpectAsync(HttpStatusCode.OK))["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Train_ParquetDataset_SecondRunIsComparedWithTheChampionOnTheSameHoldout()
    {
        var model = Api.UniqueModel("train-parquet");
        var data = TrainingData.Binary(rows: 1500, missing: 0.05, seed: 5);
        var parquet = await TrainingData.ParquetAsync(data);
        var uri = await TrainingData.UploadAsync(host, $"{model}/data.parquet", parquet);

        var first = await TrainingData.TrainAndWaitAsync(host.Operator, model, TrainingData.Request(data.Recipe("lbfgs-logistic"), uri));
        Assert.True(first["state"]!.GetValue<string>() == "succeeded", first.ToJsonString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(parquet)), first["datasetSha256"]!.GetValue<string>());
        Assert.Null(first["championMetrics"]);
        Assert.Contains(first["gates"]!["gates"]!.AsArray(), g => g!["verdict"]!.GetValue<string>() == "notApplicable");
        await host.Operator.SetAliasAsync(model, "champion", first["resultVersion"]!.GetValue<int>());

        var second = await TrainingData.TrainAndWaitAsync(host.Operator, model, TrainingData.Request(data.Recipe("lightgbm"), uri));

        Assert.True(second["state"]!.GetValue<string>() == "succeeded", second.ToJsonString());
        Assert.Equal(first["split"]!["holdoutFingerprint"]!.GetValue<string>(), second["split"]!["holdoutFingerprint"]!.GetValue<string>());
        var champion = second["championMetrics"]!["auc"]!.GetValue<double>();
        Assert.Equal(first["metrics"]!["auc"]!.GetValue<double>(), champion, 6);
        var drop = second["gates"]!["gates"]!.AsArray().Single(g => g!["gate"]!["kind"]!.GetValue<string>() == "maxDropVsChampion")!;
        Assert.Equal(champion, drop["champion"]!.GetValue<double>(), 9);
        Assert.Equal(champion - second["metrics"]!["auc"]!.GetValue<double>(), drop["actual"]!.GetValue<double>(), 9);
        Assert.Equal(1, second["gates"]!["championVersion"]!.GetValue<int>());
        using var versions = await host.Reader.GetAsync($"/api/models/{model}/versions/2");
        Assert.Equal(1, (await versions.ExpectAsync(HttpStatusCode.OK))["lineage"]!["parentVersion"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("multiclass", "lightgbm-multiclass", "accuracy", 0.6)]
    [InlineData("regression", "sdca-regression", "r2", 0.5)]
    public async Task Train_OtherTasks_SucceedWithTheirMetrics(string task, string trainer, string metric, double minimum)
    {
        var model = Api.UniqueModel("train-" + task);
        var data = task == "multiclass" ? TrainingData.Multiclass() : TrainingData.Regression();
        var uri = await TrainingData.UploadAsync(host, $"{model}/data.csv", TrainingData.Csv(data));

        var job = await TrainingData.TrainAndWaitAsync(host.Operator, model, TrainingData.Request(data.Recipe(trainer), uri));

        Assert.True(job["state"]!.GetValue<string>() == "succeeded", job.ToJsonString());
        Assert.True(job["metrics"]![metric]!.GetValue<double>() >= minimum, job["metrics"]!.ToJsonString());
        Assert.NotNull(job["metrics"]!["latencyP95Ms"]);
        Assert.NotNull(job["metrics"]!["modelSizeBytes"]);
        Assert.True(job["metrics"]!["latencyP95Ms"]!.GetValue<double>() > 0, job["metrics"]!.ToJsonString());
        Assert.True(job["metrics"]!["modelSizeBytes"]!.GetValue<double>() > 1000, job["metrics"]!.ToJsonString()); // an ONNX file, not a placeholder
    }

    [Fact]
    public async Task Train_GateNotMet_IsRejectedAndRegistersNothing()
    {
        var model = Api.UniqueModel("train-gated");
        var data = TrainingData.Binary(rows: 800);
        var uri = await TrainingData.UploadAsync(host, $"{model}/data.csv", TrainingData.Csv(data));
        var gates = new object[]
        {
            new { metric = "auc", threshold = 0.9999, direction = "higherIsBetter", kind = "absolute" },
            new { metric = "modelSizeBytes", threshold = 1e9, direction = "lowerIsBetter" },
        };

        var job = await TrainingData.TrainAndWaitAsync(host.Operator, model, TrainingData.Request(data.Recipe("fasttree"), uri, gates));

        Assert.True(job["state"]!.GetValue<string>() == "rejected", job.ToJsonString());
        var results = job["gates"]!["gates"]!.AsArray();
        Assert.Equal(2, results.Count);
        Assert.Equal("failed", results[0]!["verdict"]!.GetValue<string>());
        Assert.Equal("passed", results[1]!["verdict"]!.GetValue<string>());
        Assert.Null(job["resultVersion"]);
        using var response = await host.Reader.GetAsync($"/api/models/{model}");
        await response.ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Train_MismatchDeepInTheFile_JobFailsNamingTheRowAndRegistersNothing()
    {
        var model = Api.UniqueModel("train-late");
        var data = TrainingData.Binary(rows: 3000, missing: 0);
        var labelColumn = data.Columns.Count - 1;
        var csv = TrainingData.Csv(data, (row, column, cell) => row == 2500 && column == labelColumn ? "maybe" : cell);
        var uri = await TrainingData.UploadAsync(host, $"{model}/data.csv", csv);

        var job = await TrainingData.TrainAndWaitAsync(host.Operator, model, TrainingData.Request(data.Recipe("lightgbm"), uri));

        Assert.True(job["state"]!.GetValue<string>() == "failed", job.ToJsonString());
        var error = job["error"]!["errors"]!.AsArray().Single()!;
        Assert.Equal("label", error["field"]!.GetValue<string>());
        Assert.Equal(2501, error["row"]!.GetValue<int>());
        Assert.DoesNotContain("maybe", job.ToJsonString(), StringComparison.Ordinal);
        using var response = await host.Reader.GetAsync($"/api/models/{model}");
        await response.ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
