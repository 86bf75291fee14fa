using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;

namespace MLOps.Samples;

/// <summary>
/// The rest of a model's life after the quickstart's hand-built champion: upload data (validated by the blob trigger),
/// train a challenger on it (evaluated against the champion through quality gates), promote it, send labelled
/// feedback, and run a drift check.
/// </summary>
internal static class LifecycleTour
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(HttpClient http, string url, string model, string storage, string outDirectory)
    {
        var curlAuth = "-H \"x-functions-key: $MLOPS_ADMIN_KEY\"";

        Console.WriteLine($"\n4. Tell the validator which column is the label (the rest of the rules come from the champion)");
        const string expectations = """{"labelColumn":"churned"}""";
        Console.WriteLine($"   curl -X PUT {curlAuth} -H \"content-type: application/json\" -d '{expectations}' {url}/api/models/{model}/expectations");
        if (await QuickstartHttp.SendAsync(http, HttpMethod.Put, $"api/models/{model}/expectations", expectations) is null)
        {
            return 1;
        }

        // New data for the model: 20,000 rows drawn from the same process with another seed. The champion is the model
        // that generated the data, so the challenger has to learn it well to stay within the gate's 0.02 AUC drop.
        var csv = SampleData.ChurnCsv(20_000, seed: 2026);
        var blobName = $"{model}/{DateTime.UtcNow:yyyy-MM-dd-HHmmss}.csv";
        var csvPath = Path.Combine(outDirectory, "churn-new.csv");
        await File.WriteAllBytesAsync(csvPath, csv);
        Console.WriteLine($"\n5. Upload it to the datasets container: the upload itself starts validation");
        Console.WriteLine($"   (with the Azure CLI against Azurite: az storage blob upload --connection-string \"UseDevelopmentStorage=true\" -c datasets -n {blobName} -f {csvPath})");
        var container = new BlobServiceClient(storage).GetBlobContainerClient("datasets");
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient(blobName).UploadAsync(BinaryData.FromBytes(csv), overwrite: true);
        var report = await WaitAsync(http, $"api/datasets/validations?model={Uri.EscapeDataString(model)}", list =>
            list["items"]!.AsArray().FirstOrDefault(i => i!["path"]?.GetValue<string>()?.EndsWith(blobName, StringComparison.Ordinal) == true ||
                                                         i!["uri"]?.GetValue<string>()?.EndsWith(blobName, StringComparison.Ordinal) == true), TimeSpan.FromSeconds(90));
        if (report is null)
        {
            Console.Error.WriteLine("   no validation report appeared; is the blob trigger on (MLOps__BlobTrigger__Enabled)?");
            return 1;
        }

        Console.WriteLine($"   <- {(report["passed"]?.GetValue<bool>() == true ? "passed" : "FAILED")}, quality score {report["qualityScore"]}, {report["rows"]} rows (GET {url}/api/datasets/validations/{report["id"]})");
        if (report["passed"]?.GetValue<bool>() != true)
        {
            return 1;
        }

        var train = JsonSerializer.Serialize(new
        {
            recipe = new
            {
                task = "binaryClassification",
                label = "churned",
                trainer = "lightgbm",
                features = new object[]
                {
                    new { name = "age", kind = "numeric" },
                    new { name = "tenure_months", kind = "numeric", type = "int64" },
                    new { name = "monthly_charges", kind = "numeric", type = "double" },
                    new { name = "plan", kind = "categorical" },
                    new { name = "has_support", kind = "boolean" },
                },
            },
            datasetUri = "datasets/" + blobName,
            intendedUse = "Quickstart tour: rank customers by churn risk for retention calls.",
        });
        Console.WriteLine($"\n6. Train a challenger on the validated file (evaluated against the champion on the same holdout)");
        Console.WriteLine($"   curl {curlAuth} -H \"content-type: application/json\" -d '{train}' {url}/api/models/{model}/train");
        var accepted = await QuickstartHttp.SendAsync(http, HttpMethod.Post, $"api/models/{model}/train", train);
        if (accepted?["statusUrl"]?.GetValue<string>() is not { } statusUrl)
        {
            return 1;
        }

        var job = await WaitAsync(http, statusUrl.TrimStart('/'), j => j["state"]?.GetValue<string>() is "succeeded" or "rejected" or "failed" ? j : null, TimeSpan.FromMinutes(5));
        if (job is null)
        {
            Console.Error.WriteLine("   the training job did not finish in time.");
            return 1;
        }

        Console.WriteLine($"   <- {job["state"]}: AUC {job["metrics"]?["auc"]}, champion's AUC on the same holdout {job["championMetrics"]?["auc"]}");
        foreach (var gate in job["gates"]?["gates"]?.AsArray() ?? [])
        {
            Console.WriteLine($"      gate {gate!["verdict"]}: {gate["reason"]}");
        }

        if (job["state"]!.GetValue<string>() != "succeeded" || job["resultVersion"]?.GetValue<int>() is not { } challenger)
        {
            Console.WriteLine("   the candidate was not registered; the champion stays.");
            return 0;
        }

        var promote = JsonSerializer.Serialize(new { version = challenger, reason = "passed its quality gates in the quickstart tour" });
        Console.WriteLine($"\n7. Promote the challenger (version {challenger}): the model card is at {url}/api/models/{model}/versions/{challenger}");
        Console.WriteLine($"   curl -X PUT {curlAuth} -H \"content-type: application/json\" -d '{promote}' {url}/api/models/{model}/aliases/champion");
        if (await QuickstartHttp.SendAsync(http, HttpMethod.Put, $"api/models/{model}/aliases/champion", promote) is null)
        {
            return 1;
        }

        // Traffic, then the truth for it: labels arrive later through the feedback API.
        var rows = SampleData.ChurnRows(300, seed: 7).ToList();
        var predictions = await QuickstartHttp.SendAsync(http, HttpMethod.Post, $"api/models/{model}/predict", JsonSerializer.Serialize(new { inputs = rows.Select(SampleData.ToRecord) }), quiet: true);
        if (predictions is null)
        {
            return 1;
        }

        var feedback = JsonSerializer.Serialize(predictions["predictions"]!.AsArray().Select((p, i) => new { predictionId = p!["predictionId"]!.GetValue<string>(), label = rows[i].Churned }), Web);
        Console.WriteLine($"\n8. Scored 300 records with the new champion; send their true labels as feedback (100 per call)");
        Console.WriteLine($"   curl {curlAuth} -H \"content-type: application/json\" -d '[{{\"predictionId\":\"...\",\"label\":1}}, ...]' {url}/api/models/{model}/feedback");
        var labels = JsonNode.Parse(feedback)!.AsArray();

        // Predictions reach the log in the background (within MLOps__PredictionLog__FlushInterval, 1 s by default);
        // feedback for a prediction not logged yet is a 404, so wait for the log first.
        await Task.Delay(TimeSpan.FromSeconds(2));
        for (var start = 0; start < labels.Count; start += 100)
        {
            var chunk = new JsonArray(labels.Skip(start).Take(100).Select(n => n!.DeepClone()).ToArray());
            if (await QuickstartHttp.SendAsync(http, HttpMethod.Post, $"api/models/{model}/feedback", chunk.ToJsonString(), quiet: true) is null)
            {
                return 1;
            }
        }

        Console.WriteLine("   <- 300 labels stored");

        Console.WriteLine($"\n9. Run the drift check now (the DriftCheck timer does this every 15 minutes)");
        Console.WriteLine($"   curl -X POST {curlAuth} {url}/api/models/{model}/drift/run");
        var drift = await QuickstartHttp.SendAsync(http, HttpMethod.Post, $"api/models/{model}/drift/run", "{}");
        if (drift is null)
        {
            return 1;
        }

        Console.WriteLine(ConsoleJson.Pretty(drift));
        Console.WriteLine($"\nReports and charts: GET {url}/api/models/{model}/drift; audit trail: GET {url}/api/models/{model}/audit");
        return 0;
    }

    private static async Task<JsonNode?> WaitAsync(HttpClient http, string path, Func<JsonNode, JsonNode?> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync(path);
            if (response.IsSuccessStatusCode && JsonNode.Parse(await response.Content.ReadAsStringAsync()) is { } node && done(node) is { } result)
            {
                return result;
            }

            await Task.Delay(500);
        }

        return null;
    }
}
