using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Http;

[Collection(LocalHostCollection.Name)]
public sealed class DeclareModelTests(LocalHostFixture host)
{
    [Fact]
    public async Task DeclareModel_New_Is201WithVersionZeroAndAudited()
    {
        var model = Api.UniqueModel("declare");

        using var response = await host.Operator.PutAsync($"/api/models/{model}", Json("""{"description":"Churn within 90 days","tags":{"team":"growth"}}"""));
        var created = await response.ExpectAsync(HttpStatusCode.Created);
        var read = await (await host.Reader.GetAsync($"/api/models/{model}")).ExpectAsync(HttpStatusCode.OK);
        var versions = await (await host.Reader.GetAsync($"/api/models/{model}/versions")).ExpectAsync(HttpStatusCode.OK);
        var audit = await (await host.Reader.GetAsync($"/api/models/{model}/audit")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal($"/api/models/{model}", response.Headers.Location!.OriginalString);
        Assert.Equal(0, created["latestVersion"]!.GetValue<int>());
        Assert.Equal("Churn within 90 days", read["description"]!.GetValue<string>());
        Assert.Equal("growth", read["tags"]!["team"]!.GetValue<string>());
        Assert.Equal(0, versions["count"]!.GetValue<int>());
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "model.declared");
    }

    [Fact]
    public async Task DeclareModel_ThenRegister_FirstVersionIsOneAndTheDescriptionStays()
    {
        var model = Api.UniqueModel("declare");
        await (await host.Operator.PutAsync($"/api/models/{model}", Json("""{"description":"kept"}"""))).ExpectAsync(HttpStatusCode.Created);

        var version = await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        var again = await (await host.Operator.PutAsync($"/api/models/{model}", Json("""{"description":"kept, and updated"}"""))).ExpectAsync(HttpStatusCode.OK);
        var read = await (await host.Reader.GetAsync($"/api/models/{model}")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(1, version["version"]!.GetValue<int>());
        Assert.Equal(1, again["latestVersion"]!.GetValue<int>());
        Assert.Equal("kept, and updated", read["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeclaredModel_WithoutVersions_PredictIs404NamingTheMissingAlias()
    {
        var model = Api.UniqueModel("declare");
        await (await host.Operator.PutAsync($"/api/models/{model}", Json("{}"))).ExpectAsync(HttpStatusCode.Created);

        var problem = await (await host.Reader.PostJsonAsync($"/api/models/{model}/predict", """{"inputs":[{"age":41}]}""")).ExpectProblemAsync(HttpStatusCode.NotFound);

        Assert.Contains("champion", problem.Detail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"description":42}""", "description")]
    [InlineData("""{"tags":{"":"x"}}""", "tags")]
    [InlineData("""{"tags":{"a":null}}""", "tags")]
    [InlineData("""{"owner":"me"}""", "owner")]
    public async Task DeclareModel_Invalid_Is400AndCreatesNothing(string body, string mentioned)
    {
        var model = Api.UniqueModel("declare");

        var problem = await (await host.Operator.PutAsync($"/api/models/{model}", Json(body))).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains(mentioned, problem.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        await (await host.Reader.GetAsync($"/api/models/{model}")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeclareModel_TooLongDescription_Is400()
    {
        var body = Api.Json(new { description = new string('d', 4001) });

        await (await host.Operator.PutAsync($"/api/models/{Api.UniqueModel("declare")}", Json(body))).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task DeclareModel_Reader_IsForbidden() =>
        await (await host.Reader.PutAsync($"/api/models/{Api.UniqueModel("declare")}", Json("{}"))).ExpectProblemAsync(HttpStatusCode.Forbidden);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
