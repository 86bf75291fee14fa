using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MLOps.Functions.Registry;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Drift;

/// <summary>
/// Drift monitoring end to end on the real local host and Azurite: a reference profile built from a dataset upload,
/// real predictions through the prediction log, manual runs, reports with charts, alerts, retraining requests,
/// feedback and concept drift.
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed class DriftApiTests(LocalHostFixture host)
{
    private static readonly byte[] Churn = SampleModels.ChurnClassifier();

    [Fact]
    public async Task DriftRun_ShiftedTraffic_DetectsDriftStoresReportAndChartsAlertsAndRequestsRetraining()
    {
        var model = await ChampionWithProfileAsync("drift-shift");
        using (var policy = await host.Operator.PutAsync($"/api/models/{model}/policy", Json("""{"retrainOnDrift":true}""")))
        {
            await policy.ExpectAsync(HttpStatusCode.OK);
        }

        // Older customers paying more, all on the enterprise plan.
        await PredictAsync(model, SampleData.ChurnRows(300, seed: 7).Select(r => r with { Age = Math.Min(100, r.Age + 20), MonthlyCharges = r.MonthlyCharges + 80, Plan = "enterprise" }));

        var run = await RunAsync(model, expectedRows: 300);

        Assert.Equal("completed", run["status"]!.GetValue<string>());
        Assert.True(run["datasetDrift"]!.GetValue<bool>());
        Assert.True(run["alert"]!.GetValue<bool>());
        Assert.True(run["retraining"]!["accepted"]!.GetValue<bool>());

        var runId = run["runId"]!.GetValue<string>();
        var list = await (await host.Reader.GetAsync($"/api/models/{model}/drift")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(runId, list["items"]![0]!["run"]!["runId"]!.GetValue<string>());

        var answer = await (await host.Reader.GetAsync($"/api/models/{model}/drift/{runId}")).ExpectAsync(HttpStatusCode.OK);
        var report = answer["report"]!;
        var features = report["data"]!["features"]!.AsArray().ToDictionary(f => f!["feature"]!.GetValue<string>(), f => f!);
        Assert.Equal("ks", features["age"]["method"]!.GetValue<string>()); // a 800-row reference: p-value tests
        Assert.True(features["age"]["drifted"]!.GetValue<bool>());
        Assert.True(features["age"]["pValue"]!.GetValue<double>() < 0.05);
        Assert.Equal("chiSquare", features["plan"]["method"]!.GetValue<string>());
        Assert.True(features["plan"]["drifted"]!.GetValue<bool>());
        Assert.Equal("significant", features["plan"]["psiLevel"]!.GetValue<string>());
        Assert.Equal("zTest", features["has_support"]["method"]!.GetValue<string>());
        Assert.False(features["has_support"]["drifted"]!.GetValue<bool>());
        Assert.True(report["predictions"]!["drifted"]!.GetValue<bool>());

        var charts = answer["charts"]!.AsArray();
        var histogram = charts.Single(c => c!["kind"]!.GetValue<string>() == "histogram" && c["feature"]!.GetValue<string>() == "age")!;
        Assert.Contains(charts, c => c!["kind"]!.GetValue<string>() == "score-history" && c["feature"]!.GetValue<string>() == "has_support");
        using var svg = await host.Reader.GetAsync(histogram["href"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<svg", await svg.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var audit = await (await host.Reader.GetAsync($"/api/models/{model}/audit")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "drift.alert" && e["detail"]!.GetValue<string>().Contains("age", StringComparison.Ordinal));
        var retraining = await (await host.Reader.GetAsync($"/api/models/{model}/retraining")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("drift", retraining["items"]![0]!["reason"]!.GetValue<string>());

        // A second confirmed drift within the cooldown: alerted again, retraining suppressed.
        var again = await RunAsync(model, expectedRows: 300);
        Assert.True(again["alert"]!.GetValue<bool>());
        Assert.False(again["retraining"]!["accepted"]!.GetValue<bool>());
    }

    [Fact]
    public async Task DriftRun_SameDistribution_NoDriftNoAlert()
    {
        var model = await ChampionWithProfileAsync("drift-none");
        await PredictAsync(model, SampleData.ChurnRows(400, seed: 99));

        var run = await RunAsync(model, expectedRows: 400);

        Assert.Equal("completed", run["status"]!.GetValue<string>());
        Assert.False(run["datasetDrift"]!.GetValue<bool>());
        Assert.False(run["alert"]!.GetValue<bool>());
        Assert.Null(run["retraining"]);
    }

    [Fact]
    public async Task DriftRun_FewerRowsThanMinimum_ReportsInsufficientData()
    {
        var model = await ChampionWithProfileAsync("drift-few");
        await PredictAsync(model, SampleData.ChurnRows(40, seed: 5));

        var run = await RunAsync(model, expectedRows: 40);

        Assert.Equal("insufficientData", run["status"]!.GetValue<string>());
        Assert.Contains("insufficient data", run["note"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.False(run["alert"]!.GetValue<bool>());
    }

    [Fact]
    public async Task DriftRun_NoReferenceProfile_SaysSo()
    {
        var model = Api.UniqueModel("drift-noref");
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        await host.Operator.SetAliasAsync(model, "champion", 1);

        using var response = await host.Operator.PostAsync($"/api/models/{model}/drift/run", null);
        var run = (await response.ExpectAsync(HttpStatusCode.OK))["runs"]![0]!;

        Assert.Equal("noReference", run["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Feedback_FlippedLabels_RevealDecay_AndBadFeedbackWritesNothing()
    {
        var model = await ChampionWithProfileAsync("drift-concept");
        await host.Service<IVersionDocuments>().PutJsonAsync(model, 1, VersionDocumentNames.Evaluation, new { metrics = new { accuracy = 0.9 } }, "test", CancellationToken.None);
        using (var settings = await host.Operator.PutAsync($"/api/models/{model}/drift-settings", Json("""{"concept":{"minLabels":50,"windowLabels":500,"maxDrop":0.1}}""")))
        {
            await settings.ExpectAsync(HttpStatusCode.OK);
        }

        var predictions = await PredictAsync(model, SampleData.ChurnRows(150, seed: 11));
        await WaitForLogAsync(model, 150);

        // Bad records, each in a batch with good ones: the whole request is refused and nothing is stored.
        var good = predictions.Take(2).ToList();
        var unknownId = good[0].Id[..12] + "0000000000000000";
        await ExpectFeedbackProblemAsync(model, $"[{Record(good[0].Id, Flip(good[0].Label))},{Record(unknownId, 1)}]", HttpStatusCode.NotFound, "predictionId", 1);
        await ExpectFeedbackProblemAsync(model, $"[{Record(good[0].Id, Flip(good[0].Label))},{{\"predictionId\":\"{good[1].Id}\",\"label\":\"yes\"}}]", HttpStatusCode.BadRequest, "label", 1);
        await ExpectFeedbackProblemAsync(model, $"[{Record(good[0].Id, 1)},{Record(good[0].Id, 0)}]", HttpStatusCode.BadRequest, "predictionId", 1);
        await ExpectFeedbackProblemAsync(model, $"[{{\"predictionId\":\"not-an-id\",\"label\":1}}]", HttpStatusCode.BadRequest, "predictionId", 0);
        var late = (DateTimeOffset.UtcNow - TimeSpan.FromDays(40)).ToUnixTimeMilliseconds().ToString("x12", CultureInfo.InvariantCulture) + "0123456789abcdef";
        await ExpectFeedbackProblemAsync(model, $"[{Record(late, 1)}]", HttpStatusCode.BadRequest, "predictionId", 0);
        await ExpectFeedbackProblemAsync(model, $"[{{\"predictionId\":\"{good[0].Id}\",\"label\":{{\"x\":1}}}}]", HttpStatusCode.BadRequest, "label", 0);
        await ExpectFeedbackProblemAsync(model, $"[{{\"predictionId\":\"{good[0].Id}\",\"label\":1,\"extra\":true}}]", HttpStatusCode.BadRequest, "extra", 0);

        // Every label flipped: the truth moved away from what the model learned.
        var body = "[" + string.Join(',', predictions.Take(100).Select(p => Record(p.Id, Flip(p.Label)))) + "]";
        using (var accepted = await host.Reader.PostJsonAsync($"/api/models/{model}/feedback", body))
        {
            var answer = await accepted.ExpectAsync(HttpStatusCode.Created);
            Assert.Equal(100, answer["accepted"]!.GetValue<int>());
        }

        // The same labels again, with one new: a conflict, and the new one is not stored either.
        var duplicate = $"[{Record(predictions[120].Id, Flip(predictions[120].Label))},{Record(predictions[0].Id, Flip(predictions[0].Label))}]";
        var conflict = await ExpectFeedbackProblemAsync(model, duplicate, HttpStatusCode.Conflict, "predictionId", 1);
        Assert.Single(conflict.Errors());
        using (var single = await host.Reader.PostJsonAsync($"/api/models/{model}/feedback", Record(predictions[120].Id, Flip(predictions[120].Label))))
        {
            await single.ExpectAsync(HttpStatusCode.Created);
        }

        var run = await RunAsync(model, expectedRows: 150);
        var report = (await (await host.Reader.GetAsync($"/api/models/{model}/drift/{run["runId"]!.GetValue<string>()}")).ExpectAsync(HttpStatusCode.OK))["report"]!;
        var concept = report["concept"]!;
        Assert.Equal("checked", concept["status"]!.GetValue<string>());
        Assert.Equal(101, concept["labels"]!.GetValue<int>());
        Assert.Equal(0, concept["current"]!.GetValue<double>(), 12);
        Assert.Equal(0.9, concept["baseline"]!.GetValue<double>(), 12);
        Assert.True(concept["decay"]!.GetValue<bool>());
        Assert.True(run["alert"]!.GetValue<bool>());
        Assert.Contains(run["alertReasons"]!.AsArray(), r => r!.GetValue<string>().StartsWith("decay", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DriftRun_ChiSquareGoodnessOfFitPerModelAndPerFeature_IsTheTestReported()
    {
        var model = await ChampionWithProfileAsync("drift-gof");
        using (var bad = await host.Operator.PutAsync($"/api/models/{model}/drift-settings", Json("""{"methods":{"smallCategorical":"ks","smallBinary":"nope"}}""")))
        {
            await bad.ExpectProblemAsync(HttpStatusCode.BadRequest);
        }

        using (var wrongKind = await host.Operator.PutAsync($"/api/models/{model}/drift-settings", Json("""{"methods":{"smallCategorical":"ks"}}""")))
        {
            var problem = await wrongKind.ExpectProblemAsync(HttpStatusCode.BadRequest);
            Assert.Contains(problem.Errors(), e => e["field"]!.GetValue<string>() == "methods.smallCategorical");
        }

        // The model's categorical features get the goodness of fit; has_support (binary) gets it by a feature override.
        using (var settings = await host.Operator.PutAsync(
            $"/api/models/{model}/drift-settings",
            Json("""{"methods":{"smallCategorical":"chiSquareGof"},"thresholds":{"chiSquareGof":0.02},"features":{"has_support":{"method":"chiSquareGof","threshold":0.01}}}""")))
        {
            var stored = await settings.ExpectAsync(HttpStatusCode.OK);
            Assert.Equal("chiSquareGof", stored["settings"]!["methods"]!["smallCategorical"]!.GetValue<string>());
            Assert.Equal("ks", stored["settings"]!["methods"]!["smallNumeric"]!.GetValue<string>());
        }

        await PredictAsync(model, SampleData.ChurnRows(300, seed: 7).Select(r => r with { Plan = "enterprise" }));
        var run = await RunAsync(model, expectedRows: 300);

        var report = (await (await host.Reader.GetAsync($"/api/models/{model}/drift/{run["runId"]!.GetValue<string>()}")).ExpectAsync(HttpStatusCode.OK))["report"]!;
        var features = report["data"]!["features"]!.AsArray().ToDictionary(f => f!["feature"]!.GetValue<string>(), f => f!);
        Assert.Equal("chiSquareGof", features["plan"]["method"]!.GetValue<string>());
        Assert.Equal(0.02, features["plan"]["threshold"]!.GetValue<double>());
        Assert.True(features["plan"]["drifted"]!.GetValue<bool>());
        Assert.True(features["plan"]["pValue"]!.GetValue<double>() < 0.02);
        Assert.Equal("chiSquareGof", features["has_support"]["method"]!.GetValue<string>());
        Assert.Equal(0.01, features["has_support"]["threshold"]!.GetValue<double>());
        Assert.NotNull(features["has_support"]["statistic"]);
        Assert.Equal("ks", features["age"]["method"]!.GetValue<string>());
        // Predicted labels are a categorical output: the model's default applies to them too.
        Assert.Equal("chiSquareGof", report["predictions"]!["labels"]!["method"]!.GetValue<string>());
    }

    [Fact]
    public async Task Feedback_LabelFlip_AucDecidesDecayAndEveryMetricIsReported()
    {
        var model = await ChampionWithProfileAsync("drift-auc");
        // The training pipeline's evaluation document: the candidate's report (this version) beside the champion's.
        var evaluation = new { candidate = new { task = "binaryClassification", metrics = new { accuracy = 0.9, auc = 0.95, f1 = 0.88 } }, champion = new { metrics = new { accuracy = 0.5, auc = 0.5, f1 = 0.5 } }, championVersion = 7 };
        await host.Service<IVersionDocuments>().PutJsonAsync(model, 1, VersionDocumentNames.Evaluation, evaluation, "test", CancellationToken.None);
        using (var settings = await host.Operator.PutAsync($"/api/models/{model}/drift-settings", Json("""{"concept":{"metric":"auc","minLabels":50,"windowLabels":500,"maxDrop":0.1}}""")))
        {
            Assert.Equal("auc", (await settings.ExpectAsync(HttpStatusCode.OK))["settings"]!["concept"]!["metric"]!.GetValue<string>());
        }

        using (var bad = await host.Operator.PutAsync($"/api/models/{model}/drift-settings", Json("""{"concept":{"metric":"precision"}}""")))
        {
            await bad.ExpectProblemAsync(HttpStatusCode.BadRequest);
        }

        var predictions = await PredictAsync(model, SampleData.ChurnRows(150, seed: 12));
        await WaitForLogAsync(model, 150);

        // The truth is the opposite of every prediction: the model's ranking is now upside down.
        var body = "[" + string.Join(',', predictions.Take(100).Select(p => Record(p.Id, Flip(p.Label)))) + "]";
        using (var accepted = await host.Reader.PostJsonAsync($"/api/models/{model}/feedback", body))
        {
            await accepted.ExpectAsync(HttpStatusCode.Created);
        }

        var run = await RunAsync(model, expectedRows: 150);
        var report = (await (await host.Reader.GetAsync($"/api/models/{model}/drift/{run["runId"]!.GetValue<string>()}")).ExpectAsync(HttpStatusCode.OK))["report"]!;
        var concept = report["concept"]!;
        Assert.Equal("checked", concept["status"]!.GetValue<string>());
        Assert.Equal("auc", concept["metric"]!.GetValue<string>());
        Assert.Equal("1", concept["positiveClass"]!.GetValue<string>());
        Assert.Equal(100, concept["labels"]!.GetValue<int>());
        Assert.InRange(concept["current"]!.GetValue<double>(), 0, 0.2);
        Assert.Equal(0.95, concept["baseline"]!.GetValue<double>(), 12);
        Assert.True(concept["decay"]!.GetValue<bool>());
        var metrics = concept["metrics"]!.AsArray().ToDictionary(m => m!["metric"]!.GetValue<string>(), m => m!);
        Assert.Equal(["accuracy", "f1", "auc"], metrics.Keys);
        Assert.Equal(0, metrics["accuracy"]["current"]!.GetValue<double>(), 12);
        Assert.Equal(0.9, metrics["accuracy"]["baseline"]!.GetValue<double>(), 12);
        Assert.Equal(0, metrics["f1"]["current"]!.GetValue<double>(), 12);
        Assert.Equal(0.88, metrics["f1"]["drop"]!.GetValue<double>(), 12);
        Assert.Contains(run["alertReasons"]!.AsArray(), r => r!.GetValue<string>().StartsWith("decay: auc", StringComparison.Ordinal));

        // The positive class is explicit on both sides of prediction drift.
        Assert.Equal("1", report["predictions"]!["positiveClass"]!.GetValue<string>());
        Assert.Equal("probability of class '1'", report["predictions"]!["scoreMeaning"]!.GetValue<string>());
        using var profile = await host.Reader.GetAsync($"/api/models/{model}/versions/1/reference-profile");
        Assert.Equal("1", (await profile.ExpectAsync(HttpStatusCode.OK))["predictions"]!["positiveClass"]!.GetValue<string>());
    }

    [Fact]
    public async Task DriftSettings_ValidateStoreAndGuardWithETag()
    {
        var model = Api.UniqueModel("drift-settings");
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());

        var defaults = await (await host.Reader.GetAsync($"/api/models/{model}/drift-settings")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(defaults["isDefault"]!.GetValue<bool>());
        Assert.Equal(100, defaults["settings"]!["minWindowRows"]!.GetValue<int>());
        Assert.Equal(0.05, defaults["settings"]!["thresholds"]!["kolmogorovSmirnov"]!.GetValue<double>());

        using (var bad = await host.Operator.PutAsync($"/api/models/{model}/drift-settings", Json("""{"minWindowRows":0,"thresholds":{"zTest":2},"features":{"age":{"method":"nope"}}}""")))
        {
            await bad.ExpectProblemAsync(HttpStatusCode.BadRequest);
        }

        using (var invalid = await host.Operator.PutAsync($"/api/models/{model}/drift-settings", Json("""{"minWindowRows":0,"thresholds":{"zTest":2}}""")))
        {
            var problem = await invalid.ExpectProblemAsync(HttpStatusCode.BadRequest);
            Assert.Contains(problem.Errors(), e => e["field"]!.GetValue<string>() == "minWindowRows");
            Assert.Contains(problem.Errors(), e => e["field"]!.GetValue<string>() == "thresholds.zTest");
        }

        using (var forbidden = await host.Reader.PutAsync($"/api/models/{model}/drift-settings", Json("{}")))
        {
            await forbidden.ExpectProblemAsync(HttpStatusCode.Forbidden);
        }

        using var put = await host.Operator.PutAsync($"/api/models/{model}/drift-settings", Json("""{"window":{"kind":"count","rows":500},"features":{"age":{"method":"psi","threshold":0.2}}}"""));
        var stored = await put.ExpectAsync(HttpStatusCode.OK);
        var etag = put.Headers.GetValues("ETag").Single();
        Assert.Equal("count", stored["settings"]!["window"]!["kind"]!.GetValue<string>());
        Assert.Equal("psi", stored["settings"]!["features"]!["age"]!["method"]!.GetValue<string>());

        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/models/{model}/drift-settings") { Content = Json("{}") };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"0x0\"");
        await (await host.Operator.SendAsync(stale)).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);

        using var fresh = new HttpRequestMessage(HttpMethod.Put, $"/api/models/{model}/drift-settings") { Content = Json("{}") };
        fresh.Headers.TryAddWithoutValidation("If-Match", etag);
        await (await host.Operator.SendAsync(fresh)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ReferenceProfile_BadDatasets_AreClearProblems()
    {
        var model = Api.UniqueModel("drift-profile");
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        var datasets = host.Blobs.GetBlobContainerClient(host.Names.DatasetsContainer);
        await datasets.UploadBlobAsync($"{model}/missing-column.csv", BinaryData.FromString("age,plan\n30,basic\n"));
        await datasets.UploadBlobAsync($"{model}/binary.csv", BinaryData.FromBytes([0, 1, 2, 3, 0, 0, 255, 254]));

        await ExpectProfileProblemAsync(model, $"{model}/nope.csv", HttpStatusCode.NotFound);
        await ExpectProfileProblemAsync(model, "../etc/passwd", HttpStatusCode.BadRequest);
        var missing = await ExpectProfileProblemAsync(model, $"{model}/missing-column.csv", HttpStatusCode.BadRequest);
        Assert.Contains(missing.Errors(), e => e["field"]!.GetValue<string>() == "tenure_months");
        await ExpectProfileProblemAsync(model, $"{model}/binary.csv", HttpStatusCode.BadRequest);
        await (await host.Reader.GetAsync($"/api/models/{model}/versions/1/reference-profile")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DriftRuns_UnknownOrMalformedIds_AreProblems()
    {
        var model = Api.UniqueModel("drift-ids");
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());

        await (await host.Reader.GetAsync($"/api/models/{model}/drift/not-a-run")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await host.Reader.GetAsync($"/api/models/{model}/drift/20261123T101500000Z-0a1b2c3d")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await host.Reader.GetAsync($"/api/models/{model}/drift/20261123T101500000Z-0a1b2c3d/charts/..%2Freport.json")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await host.Reader.GetAsync($"/api/models/nobody-{Guid.NewGuid():N}"[..30] + "/drift")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await host.Reader.PostAsync($"/api/models/{model}/drift/run", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await host.Operator.PostAsync($"/api/models/{model}/drift/run?version=x", null)).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    private async Task<string> ChampionWithProfileAsync(string stem)
    {
        var model = Api.UniqueModel(stem);
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        await host.Operator.SetAliasAsync(model, "champion", 1);
        await host.Blobs.GetBlobContainerClient(host.Names.DatasetsContainer).UploadBlobAsync($"{model}/holdout.csv", BinaryData.FromBytes(SampleData.ChurnCsv(800, seed: 3)));
        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/versions/1/reference-profile", $$"""{"dataset":"{{model}}/holdout.csv"}""");
        var profile = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(800, profile["rows"]!.GetValue<long>());
        Assert.Equal(800, profile["scoredRows"]!.GetValue<long>());
        return model;
    }

    private async Task<List<(string Id, int Label)>> PredictAsync(string model, IEnumerable<SampleData.ChurnRow> rows)
    {
        var ids = new List<(string, int)>();
        foreach (var chunk in rows.Chunk(LocalHostFixture.MaxBatchRows))
        {
            var inputs = string.Join(',', chunk.Select(r => string.Create(CultureInfo.InvariantCulture,
                $$"""{"age":{{r.Age}},"tenure_months":{{r.TenureMonths}},"monthly_charges":{{r.MonthlyCharges}},"plan":"{{r.Plan}}","has_support":{{(r.HasSupport ? "true" : "false")}}}""")));
            using var response = await host.Reader.PostJsonAsync($"/api/models/{model}/predict", $$"""{"inputs":[{{inputs}}]}""");
            var answer = await response.ExpectAsync(HttpStatusCode.OK);
            ids.AddRange(answer["predictions"]!.AsArray().Select(p => (p!["predictionId"]!.GetValue<string>(), p["label"]!.GetValue<int>())));
        }

        return ids;
    }

    /// <summary>Runs a manual check once the log holds the expected rows (the writer flushes every 200 ms here).</summary>
    private async Task<JsonNode> RunAsync(string model, int expectedRows)
    {
        await WaitForLogAsync(model, expectedRows);
        using var response = await host.Operator.PostAsync($"/api/models/{model}/drift/run", null);
        var run = (await response.ExpectAsync(HttpStatusCode.OK))["runs"]![0]!;
        Assert.Equal(expectedRows, run["windowRows"]!.GetValue<long>());
        return run;
    }

    private async Task WaitForLogAsync(string model, int rows)
    {
        var container = host.Blobs.GetBlobContainerClient(host.Names.PredictionsContainer);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var lines = 0;
            await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{model}/", CancellationToken.None))
            {
                var content = await PredictionLogBlobs.ReadTextAsync(container, blob.Name);
                lines += content.Count(c => c == '\n');
            }

            if (lines >= rows)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The prediction log of {model} did not reach {rows} rows.");
    }

    private async Task<JsonNode> ExpectFeedbackProblemAsync(string model, string body, HttpStatusCode status, string field, int row)
    {
        using var response = await host.Reader.PostJsonAsync($"/api/models/{model}/feedback", body);
        var problem = await response.ExpectProblemAsync(status);
        Assert.Contains(problem.Errors(), e => e["field"]?.GetValue<string>() == field && e["row"]?.GetValue<int>() == row);
        return problem;
    }

    private async Task<JsonNode> ExpectProfileProblemAsync(string model, string dataset, HttpStatusCode status)
    {
        using var response = await host.Operator.PostJsonAsync($"/api/models/{model}/versions/1/reference-profile", Api.Json(new { dataset }));
        return await response.ExpectProblemAsync(status);
    }

    private static string Record(string id, int label) => $$"""{"predictionId":"{{id}}","label":{{label}}}""";

    private static int Flip(int label) => 1 - label;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
