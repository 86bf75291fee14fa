using System.Net;
using MLOps.Functions.Http;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Http;

[Collection(LocalHostCollection.Name)]
public sealed class AuthTests(LocalHostFixture host)
{
    public static TheoryData<string, string> ProtectedFunctions()
    {
        var data = new TheoryData<string, string>();
        foreach (var function in FunctionCatalog.Http.Where(f => f.Name is not ("Health" or "OpenApiDocument" or "ApiReference")))
        {
            data.Add(function.Method, "/api/" + function.Route.Replace("{name}", "churn", StringComparison.Ordinal).Replace("{version}", "1", StringComparison.Ordinal).Replace("{alias}", "champion", StringComparison.Ordinal));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ProtectedFunctions))]
    public async Task EveryFunctionButHealth_WithoutKey_Is401(string method, string path)
    {
        using var response = await host.Anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("x-functions-key", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-real-key-at-all")]
    [InlineData("")]
    [InlineData("x")]
    public async Task WrongKey_Is401(string key)
    {
        using var client = host.Client(key);
        using var response = await client.GetAsync("/api/models");
        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task OverlongKey_Is401()
    {
        using var client = host.Client(new string('k', 10_000));
        using var response = await client.GetAsync("/api/models");
        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Reader_CannotRegisterOrMoveAliases_Is403()
    {
        var model = Api.UniqueModel("authz");
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), null);

        using var register = await host.Reader.PostAsync($"/api/models/{model}/versions", Api.Upload(SampleModels.ChurnClassifier(), null));
        using var alias = await host.Reader.PutAsync($"/api/models/{model}/aliases/champion", new StringContent("""{"version":1}""", System.Text.Encoding.UTF8, "application/json"));
        using var archive = await host.Reader.PostAsync($"/api/models/{model}/versions/1/archive", null);

        foreach (var response in new[] { register, alias, archive })
        {
            var problem = await response.ExpectProblemAsync(HttpStatusCode.Forbidden);
            Assert.Contains("operator", problem.Detail(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Health_IsAnonymousAndReportsStorage()
    {
        var health = await (await host.Anonymous.GetAsync("/api/health")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("healthy", health["status"]!.GetValue<string>());
        Assert.True(health["storage"]!["reachable"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("/api/v3/models")]
    [InlineData("/api/versions/1.0")] // a last segment that looks like a file name
    [InlineData("/api/models/churn/export.onnx")]
    [InlineData("/favicon.ico")]
    [InlineData("/api/models/churn/versions/1/model.onnx")]
    public async Task UnknownRoute_IsANotFoundProblemThatNamesIt(string path)
    {
        var problem = await (await host.Reader.GetAsync(path)).ExpectProblemAsync(HttpStatusCode.NotFound);

        Assert.Contains(path, problem.Detail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/models")]
    [InlineData("/api/models/churn/versions/1.0")] // a file-like last segment is matched against the routes as well
    public async Task WrongMethod_IsAMethodNotAllowedProblem(string path)
    {
        var response = await host.Reader.DeleteAsync(path);

        await response.ExpectProblemAsync(HttpStatusCode.MethodNotAllowed);
        Assert.Contains("GET", response.Content.Headers.Allow);
    }
}
