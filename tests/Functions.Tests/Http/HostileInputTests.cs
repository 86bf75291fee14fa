using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
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
