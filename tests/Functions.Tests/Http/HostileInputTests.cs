using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MLOps.Domain.Problems;
using MLOps.Functions.Http;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Http;

/// <summary>Throws malformed, oversized and hostile requests at every function; none may answer 500.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class HostileInputTests(LocalHostFixture host)
{
    private static readonly (string Name, Func<HttpContent?> Body)[] Bodies =
    [
        ("none", () => null),
        ("empty json", () => Json(string.Empty)),
        ("garbage bytes", () => Bytes(RandomNumberGenerator.GetBytes(2048), "application/json")),
        ("invalid utf-8", () => Bytes([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D], "application/json")),
        ("deep nesting", () => Json(new string('[', 10_000))),
        ("huge number", () => Json("{\"version\":1" + new string('0', 400) + ",\"inputs\":[{\"age\":1e309}]}")),
        ("wrong types", () => Json("""{"version":"1","inputs":"all","reason":42,"id":[1]}""")),
        ("json lies about type", () => Bytes(Encoding.UTF8.GetBytes("<xml/>"), "application/json")),
        ("multipart without boundary", () => Bytes(Encoding.UTF8.GetBytes("--x\r\n\r\n"), "multipart/form-data")),
        ("multipart truncated", () => Bytes(Encoding.UTF8.GetBytes("--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nabc"), "multipart/form-data; boundary=b")),
        ("multipart header bomb", () => Bytes(Encoding.UTF8.GetBytes("--b\r\n" + string.Concat(Enumerable.Repeat("X-A: " + new string('a', 1000) + "\r\n", 40)) + "\r\n\r\nx\r\n--b--"), "multipart/form-data; boundary=b")),
        ("oversized", () => Bytes(new byte[LocalHostFixture.MaxModelBytes + 4096], "application/octet-stream")),
    ];

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var function in FunctionCatalog.Http)
        {
            foreach (var (name, _) in Bodies)
            {
                data.Add(function.Name, function.Method, name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AnyFunction_HostileRequest_NeverAnswers500(string function, string method, string bodyName)
    {
        var model = await SharedModelAsync();
        var route = FunctionCatalog.Http.Single(f => f.Name == function).Route;
        var path = "/api/" + route.Replace("{name}", model, StringComparison.Ordinal).Replace("{version}", "1", StringComparison.Ordinal).Replace("{alias}", "hostile", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Bodies.Single(b => b.Name == bodyName).Body() };

        using var response = await host.Admin.SendAsync(request);

        Assert.True((int)response.StatusCode < 500, $"{method} {path} with {bodyName} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if ((int)response.StatusCode >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("churn%00")]
    [InlineData("%2e%2e")]
    [InlineData("churn'or'1'eq'1")]
    [InlineData("a%20b")]
    public async Task HostileModelNames_AreRejectedOrNotFound(string name)
    {
        using var response = await host.Reader.GetAsync($"/api/models/{name}/versions");
        Assert.True((int)response.StatusCode is 400 or 404, $"{name}: {(int)response.StatusCode}");
    }

    [Theory]
    [InlineData("models/{model}/predict", "{\"inputs\":[],\"{name}\":1}")]
    [InlineData("v2/models/{model}/infer", "{\"inputs\":[],\"{name}\":1}")]
    [InlineData("models/{model}/feedback", "{\"predictionId\":\"x\",\"label\":1,\"{name}\":1}")]
    public async Task UnknownProperty_WithAHugeName_IsNamedClippedInTheProblem(string route, string template)
    {
        var model = await SharedModelAsync();
        var name = new string('p', 100_000);

        using var response = await host.Admin.PostAsync(
            "/api/" + route.Replace("{model}", model, StringComparison.Ordinal),
            Json(template.Replace("{name}", name, StringComparison.Ordinal)));

        var problem = await response.ExpectProblemAsync(System.Net.HttpStatusCode.BadRequest);
        var text = problem.ToJsonString();
        Assert.True(text.Length < 2_000, $"The problem quotes {text.Length} characters back: {text[..200]}...");
        Assert.Contains(new string('p', 64) + "...", text, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('p', 65), text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Random requests from a fixed seed: any function, often the wrong method, hostile path values and query strings,
    /// any of the bodies above or malformed JSON, any content type, with the admin key, an over-long key or none.
    /// Whatever comes back must be below 500, and every error a problem document.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomRequests_NeverAnswer500_AndEveryErrorIsAProblem(int seed)
    {
        const int Requests = 400;
        var random = new Random(seed);
        var model = await SharedModelAsync();
        string[] names = [model, "no-such-model-x", new string('a', 300), "..", "%2e%2e", "caf%C3%A9", "%FF%FE", "a%2Fb", "CON", "-", "1", "%20"];
        string[] versions = ["1", "0", "-1", "99999999999999999999", "1e3", "abc", "01", "2147483648", "1.0"];
        string[] others = ["champion", "challenger", new string('a', 1000), "..", "x-y", "ZZ", "%E2%80%AE", "20261123T101500000Z-0a1b2c3d"];
        string[] queries = ["", "?version=1&alias=champion", "?x=" + new string('a', 5000), "?continuation=%FF", "?status=x", "?max=-1", "?max=99999999999"];
        string[] methods = ["GET", "POST", "PUT", "DELETE", "PATCH"];
        string[] contentTypes = ["application/json", "text/plain", "multipart/form-data; boundary=xyz", "application/x-www-form-urlencoded", "application/json; charset=utf-16"];
        string[] json =
        [
            "null", "[]", "{}", "{\"inputs\":null}", "{\"inputs\":[{}]}", "{\"inputs\":[{\"age\":NaN}]}", "{\"a\":" + string.Concat(Enumerable.Repeat("{\"a\":", 2000)),
            "{\"inputs\":[{\"age\":41,\"tenure_months\":9223372036854775808,\"monthly_charges\":20.5,\"plan\":\"pro\",\"has_support\":true}]}",
            "{\"inputs\":[{\"age\":41,\"tenure_months\":3,\"monthly_charges\":20.5,\"plan\":\"\\u0000\\ud800\",\"has_support\":true}]}",
            "{\"inputs\":[{\"name\":\"age\",\"shape\":[2147483647,2147483647],\"datatype\":\"FP32\",\"data\":[]}]}",
            "{\"inputs\":[{\"name\":\"plan\",\"shape\":[1,1],\"datatype\":\"BYTES\",\"data\":[[[\"x\"]]]}]}",
            "{\"version\": -5, \"reason\": 1}", "{\"retrainOnNewData\": \"yes\", \"cooldown\": \"P-1D\"}", "{\"gates\":[{\"metric\":\"auc\",\"min\":1e309}]}",
            "{\"predictionId\":\"x\",\"label\":[1,2]}", "{\"recipe\":{\"task\":\"x\"},\"datasetUri\":\"../../etc/passwd\"}", "\"" + new string('a', 100_000) + "\"",
        ];
        using var longKey = host.Client(new string('k', 600));
        var failures = new List<string>();
        for (var i = 0; i < Requests; i++)
        {
            var function = FunctionCatalog.Http[random.Next(FunctionCatalog.Http.Count)];
            var method = random.NextDouble() < 0.85 ? function.Method : methods[random.Next(methods.Length)];
            var path = "/api/" + Regex.Replace(function.Route, "{([a-zA-Z]+)}", m => m.Groups[1].Value switch
            {
                "name" => names[random.Next(names.Length)],
                "version" => versions[random.Next(versions.Length)],
                _ => others[random.Next(others.Length)],
            }) + queries[random.Next(queries.Length)];
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is not ("GET" or "DELETE") || random.NextDouble() < 0.1)
            {
                request.Content = random.NextDouble() < 0.5
                    ? Bodies[random.Next(Bodies.Length)].Body()
                    : Bytes(Encoding.UTF8.GetBytes(json[random.Next(json.Length)]), contentTypes[random.Next(contentTypes.Length)]);
            }

            var client = random.NextDouble() switch
            {
                < 0.85 => host.Admin,
                < 0.93 => longKey,
                _ => host.Anonymous,
            };
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status >= 500 || (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json"))
            {
                var text = await response.Content.ReadAsStringAsync();
                failures.Add($"{method} {ProblemText.Clip(path)} ({request.Content?.Headers.ContentType}): {status} {response.Content.Headers.ContentType} {ProblemText.Clip(text)}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Requests} requests: " + string.Join(Environment.NewLine, failures.Take(10)));
    }

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _model;

    /// <summary>One model for all cases, registered on first use (the fixture outlives each test instance).</summary>
    private async Task<string> SharedModelAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_model is null)
            {
                var model = Api.UniqueModel("hostile");
                await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
                await host.Operator.SetAliasAsync(model, "champion", 1);
                _model = model;
            }

            return _model;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static ByteArrayContent Bytes(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }
}
