// The quickstart: generate a churn model and dataset, register the model, make it champion, predict.
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLOps.Samples;

var options = QuickstartOptions.Parse(args);
Directory.CreateDirectory(options.Out);
var modelPath = Path.Combine(options.Out, "churn.onnx");
var csvPath = Path.Combine(options.Out, "churn.csv");
var metadataPath = Path.Combine(options.Out, "churn.metadata.json");

var sha = SampleData.WriteChurnCsv(csvPath, 1000);
File.WriteAllBytes(modelPath, SampleModels.ChurnClassifier());
File.WriteAllText(metadataPath, SampleModels.ChurnMetadataJson(sha));
Console.WriteLine($"Wrote {modelPath}, {csvPath} (1000 rows, sha256 {sha[..12]}...) and {metadataPath}");
if (options.GenerateOnly)
{
    return 0;
}

if (string.IsNullOrEmpty(options.Key))
{
    Console.Error.WriteLine("No API key: pass --key, set MLOPS_ADMIN_KEY, or start the backend with ./run.sh (it writes .mlops/admin.key).");
    return 1;
}

using var http = new HttpClient { BaseAddress = new Uri(options.Url), Timeout = TimeSpan.FromSeconds(60) };
http.DefaultRequestHeaders.Add("x-functions-key", options.Key);

Console.WriteLine($"\n1. Register a version\n   curl -H \"x-functions-key: $MLOPS_ADMIN_KEY\" -F model=@{modelPath} -F \"metadata=<{metadataPath};type=application/json\" {options.Url}/api/models/{options.Model}/versions");
using var upload = new MultipartFormDataContent();
var file = new ByteArrayContent(File.ReadAllBytes(modelPath));
file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
upload.Add(file, "model", "churn.onnx");
upload.Add(new StringContent(File.ReadAllText(metadataPath), Encoding.UTF8, "application/json"), "metadata");
var registered = await Send(http.PostAsync($"/api/models/{options.Model}/versions", upload));
if (registered is null)
{
    return 1;
}

var version = registered["version"]!.GetValue<int>();
Console.WriteLine($"   -> version {version}, sha256 {registered["sha256"]}");

var aliasBody = JsonSerializer.Serialize(new { version, reason = "quickstart" });
Console.WriteLine($"\n2. Make it champion\n   curl -X PUT -H \"x-functions-key: $MLOPS_ADMIN_KEY\" -H \"content-type: application/json\" -d '{aliasBody}' {options.Url}/api/models/{options.Model}/aliases/champion");
if (await Send(http.PutAsync($"/api/models/{options.Model}/aliases/champion", new StringContent(aliasBody, Encoding.UTF8, "application/json"))) is null)
{
    return 1;
}

var records = string.Join(",", SampleData.ChurnRows(3, seed: 7).Select(SampleData.ToRecordJson));
var predictBody = $$"""{"inputs":[{{records}}]}""";
Console.WriteLine($"\n3. Predict\n   curl -H \"x-functions-key: $MLOPS_ADMIN_KEY\" -H \"content-type: application/json\" -d '{predictBody}' {options.Url}/api/models/{options.Model}/predict");
var prediction = await Send(http.PostAsync($"/api/models/{options.Model}/predict", new StringContent(predictBody, Encoding.UTF8, "application/json")));
if (prediction is null)
{
    return 1;
}

Console.WriteLine(prediction.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
return 0;

static async Task<JsonNode?> Send(Task<HttpResponseMessage> call)
{
    using var response = await call;
    var body = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode)
    {
        Console.Error.WriteLine($"   <- {(int)response.StatusCode} {response.ReasonPhrase}\n{body}");
        return null;
    }

    return body.Length == 0 ? new JsonObject() : JsonNode.Parse(body);
}

/// <summary>Command-line options of the quickstart.</summary>
internal sealed record QuickstartOptions(string Url, string? Key, string Out, string Model, bool GenerateOnly)
{
    public static QuickstartOptions Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        var root = FindRepoRoot();
        var keyFile = root is null ? null : Path.Combine(root, ".mlops", "admin.key");
        var key = Value("--key", Environment.GetEnvironmentVariable("MLOPS_ADMIN_KEY") ?? (keyFile is not null && File.Exists(keyFile) ? File.ReadAllText(keyFile).Trim() : string.Empty));
        return new QuickstartOptions(
            Value("--url", "http://127.0.0.1:7071").TrimEnd('/'),
            key,
            Value("--out", Path.Combine(root ?? ".", "samples", "out")),
            Value("--model", "churn"),
            args.Contains("--generate-only"));
    }

    private static string? FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
