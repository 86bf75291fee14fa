// The quickstart: write a churn model, its dataset and metadata; register the model, make it champion, predict.
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLOps.Samples;

var options = QuickstartOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: dotnet run --project samples/Quickstart -- [--url http://127.0.0.1:7071] [--key KEY] [--out samples/out] [--model churn] [--generate-only]\n" +
        "       [--tour [--storage UseDevelopmentStorage=true]]   then: upload data, validate, train a challenger, promote it, send feedback, check drift");
    return 2;
}

Directory.CreateDirectory(options.Out);
var modelPath = Path.GetFullPath(Path.Combine(options.Out, "churn.onnx"));
var csvPath = Path.GetFullPath(Path.Combine(options.Out, "churn.csv"));
var metadataPath = Path.GetFullPath(Path.Combine(options.Out, "churn.metadata.json"));

var sha = SampleData.WriteChurnCsv(csvPath, SampleData.DefaultChurnRows);
File.WriteAllBytes(modelPath, SampleModels.ChurnClassifier());
File.WriteAllText(metadataPath, SampleModels.ChurnMetadataJson(sha));
Console.WriteLine($"Wrote {modelPath}\n      {csvPath} ({SampleData.DefaultChurnRows} rows, sha256 {sha})\n      {metadataPath}");
if (options.GenerateOnly)
{
    return 0;
}

if (string.IsNullOrEmpty(options.Key))
{
    Console.Error.WriteLine("No API key: pass --key, set MLOPS_ADMIN_KEY, or start the local host first (it writes .mlops/admin.key).");
    return 1;
}

using var http = new HttpClient { BaseAddress = new Uri(options.Url + "/"), Timeout = TimeSpan.FromSeconds(100) };
http.DefaultRequestHeaders.Add("x-functions-key", options.Key);
var curlAuth = "-H \"x-functions-key: $MLOPS_ADMIN_KEY\"";
var model = Uri.EscapeDataString(options.Model);

try
{
    Console.WriteLine($"\n1. Register a new version of '{options.Model}'");
    Console.WriteLine($"   curl {curlAuth} -F \"model=@{modelPath};type=application/octet-stream\" -F \"metadata=<{metadataPath};type=application/json\" {options.Url}/api/models/{model}/versions");
    using var upload = new MultipartFormDataContent();
    var file = new ByteArrayContent(await File.ReadAllBytesAsync(modelPath));
    file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
    upload.Add(file, "model", "churn.onnx");
    upload.Add(new StringContent(await File.ReadAllTextAsync(metadataPath), Encoding.UTF8, "application/json"), "metadata");
    var registered = await QuickstartHttp.SendAsync(http, HttpMethod.Post, $"api/models/{model}/versions", upload);
    if (registered is not JsonObject { } answer || answer["version"] is not JsonValue versionValue || !versionValue.TryGetValue<int>(out var version))
    {
        return Fail(registered is null ? null : "the answer has no integer 'version'.");
    }

    Console.WriteLine($"   -> version {version} (sha256 {answer["sha256"]})");

    var aliasBody = JsonSerializer.Serialize(new { version, reason = "quickstart" });
    Console.WriteLine($"\n2. Make version {version} the champion");
    Console.WriteLine($"   curl -X PUT {curlAuth} -H \"content-type: application/json\" -d '{aliasBody}' {options.Url}/api/models/{model}/aliases/champion");
    if (await QuickstartHttp.SendAsync(http, HttpMethod.Put, $"api/models/{model}/aliases/champion", aliasBody) is null)
    {
        return Fail(null);
    }

    // Three rows from the CSV just written, without the label column: what a caller would send.
    var records = SampleData.ReadChurnCsv(csvPath).Take(3).Select(SampleData.ToRecord).ToList();
    var predictBody = JsonSerializer.Serialize(new { inputs = records });
    Console.WriteLine("\n3. Predict with the champion");
    Console.WriteLine($"   curl {curlAuth} -H \"content-type: application/json\" -d '{predictBody}' {options.Url}/api/models/{model}/predict");
    var prediction = await QuickstartHttp.SendAsync(http, HttpMethod.Post, $"api/models/{model}/predict", predictBody);
    if (prediction is null)
    {
        return Fail(null);
    }

    Console.WriteLine(ConsoleJson.Pretty(prediction));
    return options.Tour ? await LifecycleTour.RunAsync(http, options.Url, model, options.Storage, options.Out) : 0;
}
catch (HttpRequestException ex)
{
    return Fail($"cannot reach {options.Url} ({ex.Message}). Is the backend running?");
}
catch (TaskCanceledException)
{
    return Fail($"{options.Url} did not answer in time.");
}

static int Fail(string? message)
{
    if (message is not null)
    {
        Console.Error.WriteLine($"Quickstart failed: {message}");
    }

    return 1;
}

/// <summary>The sample's HTTP calls: status printed, and null for an answer that is not 2xx JSON.</summary>
internal static class QuickstartHttp
{
    /// <summary>Null when the answer is not 2xx, after printing the status and the body (a ProblemDetails document).</summary>
    public static async Task<JsonNode?> SendAsync(HttpClient http, HttpMethod method, string path, HttpContent content, bool quiet = false)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            Console.Error.WriteLine($"   <- {(int)response.StatusCode} {response.ReasonPhrase}");
            Console.Error.WriteLine(ConsoleJson.Pretty(body));
            return null;
        }

        if (!quiet)
        {
            Console.WriteLine($"   <- {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        try
        {
            return body.Length == 0 ? new JsonObject() : JsonNode.Parse(body) ?? new JsonObject();
        }
        catch (JsonException)
        {
            Console.Error.WriteLine($"   the answer is not JSON:\n{body}");
            return null;
        }
    }

    /// <summary>The same, for a JSON text body.</summary>
    public static Task<JsonNode?> SendAsync(HttpClient http, HttpMethod method, string path, string json, bool quiet = false) =>
        SendAsync(http, method, path, new StringContent(json, Encoding.UTF8, "application/json"), quiet);
}

/// <summary>JSON for people: indented, with quotes and non-ASCII letters left as they are.</summary>
internal static class ConsoleJson
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Pretty(JsonNode node) => node.ToJsonString(Indented);

    public static string Pretty(string body)
    {
        try
        {
            return JsonNode.Parse(body) is { } node ? Pretty(node) : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}

/// <summary>Command-line options of the quickstart.</summary>
internal sealed record QuickstartOptions(string Url, string? Key, string Out, string Model, bool GenerateOnly, bool Tour, string Storage)
{
    private static readonly string[] ValueOptions = ["--url", "--key", "--out", "--model", "--storage"];

    /// <summary>The options, or null when the arguments are not understood.</summary>
    public static QuickstartOptions? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var generateOnly = false;
        var tour = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--generate-only")
            {
                generateOnly = true;
            }
            else if (args[i] == "--tour")
            {
                tour = true;
            }
            else if (ValueOptions.Contains(args[i]) && i + 1 < args.Length)
            {
                values[args[i]] = args[++i];
            }
            else
            {
                Console.Error.WriteLine($"Unknown or incomplete option '{args[i]}'.");
                return null;
            }
        }

        var root = RepoRoot.TryFind();
        return new QuickstartOptions(
            values.GetValueOrDefault("--url", "http://127.0.0.1:7071").TrimEnd('/'),
            values.GetValueOrDefault("--key") ?? DefaultKey(root),
            values.GetValueOrDefault("--out") ?? Path.Combine(root ?? ".", "samples", "out"),
            values.GetValueOrDefault("--model", "churn"),
            generateOnly,
            tour,
            values.GetValueOrDefault("--storage", "UseDevelopmentStorage=true"));
    }

    // Same order the local host documents: the environment first, then the key file it writes at start-up.
    private static string? DefaultKey(string? root)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MLOPS_ADMIN_KEY");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }

        var keyFile = root is null ? null : Path.Combine(root, ".mlops", "admin.key");
        return keyFile is not null && File.Exists(keyFile) ? File.ReadAllText(keyFile).Trim() : null;
    }
}
