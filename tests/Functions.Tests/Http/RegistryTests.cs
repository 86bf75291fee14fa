using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Http;

[Collection(LocalHostCollection.Name)]
public sealed class RegistryTests(LocalHostFixture host)
{
    private static readonly byte[] Churn = SampleModels.ChurnClassifier();

    [Fact]
    public async Task RegisterVersion_ValidModel_NumbersVersionsAndRecordsHashAndSignature()
    {
        var model = Api.UniqueModel("churn");

        var first = await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        var second = await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());

        Assert.Equal(1, first["version"]!.GetValue<int>());
        Assert.Equal(2, second["version"]!.GetValue<int>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Churn)), first["sha256"]!.GetValue<string>());
        Assert.Equal("active", first["status"]!.GetValue<string>());
        Assert.Equal("test-operator", first["createdBy"]!.GetValue<string>());
        var inputs = first["signature"]!["inputs"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("plan", inputs);
        Assert.True(first["signature"]!["opsets"]!.AsObject().Count > 0);
        Assert.Equal("binaryClassification", first["task"]!.GetValue<string>());
        Assert.NotNull(first["lineage"]!["datasetSha256"]);
    }

    [Fact]
    public async Task RegisterVersion_WithoutMetadata_DerivesFeatureSchemaFromInputs()
    {
        var model = Api.UniqueModel("derived");

        var version = await host.Operator.RegisterAsync(model, Churn, metadata: null);

        var features = version["features"]!.AsArray().Select(f => (f!["name"]!.GetValue<string>(), f["type"]!.GetValue<string>())).ToList();
        Assert.Contains(("tenure_months", "int64"), features);
        Assert.Contains(("plan", "string"), features);
    }

    [Fact]
    public async Task RegisterVersion_ConcurrentUploads_GetDistinctConsecutiveNumbers()
    {
        var model = Api.UniqueModel("race");

        var versions = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => host.Operator.RegisterAsync(model, Churn, null)));

        Assert.Equal([1, 2, 3, 4, 5, 6], versions.Select(v => v["version"]!.GetValue<int>()).Order());
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("text")]
    [InlineData("random")]
    [InlineData("truncated")]
    [InlineData("zip")]
    public async Task RegisterVersion_NotAnOnnxModel_Is400AndRegistersNothing(string kind)
    {
        var model = Api.UniqueModel("bad");
        byte[] bytes = kind switch
        {
            "empty" => [],
            "text" => Encoding.UTF8.GetBytes("this is not a model, just some text\n"),
            "random" => RandomNumberGenerator.GetBytes(4096),
            "truncated" => Churn[..(Churn.Length / 2)],
            _ => [0x50, 0x4B, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8],
        };

        using var response = await host.Operator.PostAsync($"/api/models/{model}/versions", Api.Upload(bytes, null));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("model", problem.Detail(), StringComparison.OrdinalIgnoreCase);
        using var get = await host.Reader.GetAsync($"/api/models/{model}");
        await get.ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("{not json", "Invalid JSON")]
    [InlineData("""{"description":"x","colour":"red"}""", "unknown property 'colour'")]
    [InlineData("""{"task":"clustering"}""", "wrong type")]
    [InlineData("""{"features":[{"name":"age","type":"decimal"}]}""", "Unknown type 'decimal'")]
    [InlineData("""{"features":[{"name":"age","type":"float"}]}""", "not fed by any feature")]
    [InlineData("""{"features":[{"name":"age","type":"int64"},{"name":"tenure_months","type":"int64"},{"name":"monthly_charges","type":"double"},{"name":"plan","type":"string"},{"name":"has_support","type":"bool"}]}""", "model input is tensor of float")]
    [InlineData("""{"lineage":{"datasetSha256":"abc"}}""", "64 hexadecimal")]
    [InlineData("[1,2,3]", "Invalid JSON")]
    public async Task RegisterVersion_BadMetadata_Is400NamingTheProblem(string metadata, string expected)
    {
        var model = Api.UniqueModel("meta");

        using var response = await host.Operator.PostAsync($"/api/models/{model}/versions", Api.Upload(Churn, metadata));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var text = problem.Detail() + " " + string.Join(" ", problem.Errors().Select(e => e["message"]!.GetValue<string>()));
        Assert.Contains(expected, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterVersion_NotMultipart_Is415()
    {
        using var response = await host.Operator.PostJsonAsync($"/api/models/{Api.UniqueModel("x")}/versions", "{}");
        await response.ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task RegisterVersion_MissingModelPart_Is400()
    {
        using var content = new MultipartFormDataContent { { new StringContent("{}"), "metadata" } };
        using var response = await host.Operator.PostAsync($"/api/models/{Api.UniqueModel("x")}/versions", content);
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("'model'", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterVersion_UnknownPart_Is400()
    {
        using var content = Api.Upload(Churn, null);
        content.Add(new StringContent("x"), "extra");
        using var response = await host.Operator.PostAsync($"/api/models/{Api.UniqueModel("x")}/versions", content);
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("extra", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterVersion_OversizedModel_Is413()
    {
        var huge = new byte[LocalHostFixture.MaxModelBytes + 1];
        using var response = await host.Operator.PostAsync($"/api/models/{Api.UniqueModel("big")}/versions", Api.Upload(huge, null));
        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("Bad_Name")]
    [InlineData("x")]
    [InlineData("a%20b")]
    public async Task RegisterVersion_InvalidModelName_Is400(string name)
    {
        using var response = await host.Operator.PostAsync($"/api/models/{name}/versions", Api.Upload(Churn, null));
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task GetAndList_RegisteredModel_ShowsVersionsAndAliases()
    {
        var model = Api.UniqueModel("list");
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        await host.Operator.SetAliasAsync(model, "champion", 2);

        var one = await (await host.Reader.GetAsync($"/api/models/{model}")).ExpectAsync(HttpStatusCode.OK);
        var versions = await (await host.Reader.GetAsync($"/api/models/{model}/versions")).ExpectAsync(HttpStatusCode.OK);
        var version = await (await host.Reader.GetAsync($"/api/models/{model}/versions/2")).ExpectAsync(HttpStatusCode.OK);
        var all = await (await host.Reader.GetAsync("/api/models")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(2, one["latestVersion"]!.GetValue<int>());
        Assert.Equal(2, one["aliases"]!["champion"]!.GetValue<int>());
        Assert.Equal(2, versions["count"]!.GetValue<int>());
        Assert.Equal(2, version["version"]!.GetValue<int>());
        Assert.Contains(all["items"]!.AsArray(), m => m!["name"]!.GetValue<string>() == model);
    }

    [Theory]
    [InlineData("/api/models/no-such-model", HttpStatusCode.NotFound)]
    [InlineData("/api/models/no-such-model/versions", HttpStatusCode.NotFound)]
    [InlineData("/api/models/no-such-model/versions/1", HttpStatusCode.NotFound)]
    [InlineData("/api/models/no-such-model/versions/abc", HttpStatusCode.BadRequest)]
    [InlineData("/api/models/no-such-model/versions/0", HttpStatusCode.BadRequest)]
    [InlineData("/api/models/no-such-model/versions/99999999999", HttpStatusCode.BadRequest)]
    [InlineData("/api/models/no-such-model/aliases/champion", HttpStatusCode.NotFound)]
    [InlineData("/api/models/no-such-model/audit", HttpStatusCode.NotFound)]
    [InlineData("/api/nothing-here", HttpStatusCode.NotFound)]
    public async Task Get_UnknownOrInvalid_IsProblem(string path, HttpStatusCode status)
    {
        using var response = await host.Reader.GetAsync(path);
        await response.ExpectProblemAsync(status);
    }

    [Fact]
    public async Task GetVersion_UnknownVersionOfKnownModel_Is404NamingVersion()
    {
        var model = Api.UniqueModel("nv");
        await host.Operator.RegisterAsync(model, Churn, null);

        using var response = await host.Reader.GetAsync($"/api/models/{model}/versions/7");

        var problem = await response.ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("no version 7", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Archive_UnaliasedVersion_IsArchivedAndAudited()
    {
        var model = Api.UniqueModel("arch");
        await host.Operator.RegisterAsync(model, Churn, null);

        using var response = await host.Operator.PostAsJsonAsync($"/api/models/{model}/versions/1/archive", new { reason = "superseded" });
        var archived = await response.ExpectAsync(HttpStatusCode.OK);
        var audit = await (await host.Reader.GetAsync($"/api/models/{model}/audit")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("archived", archived["status"]!.GetValue<string>());
        Assert.Equal("superseded", archived["archiveReason"]!.GetValue<string>());
        var actions = audit["items"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()).ToList();
        Assert.Equal(["version.archived", "version.registered"], actions);
    }

    [Fact]
    public async Task Archive_Twice_IsConflict()
    {
        var model = Api.UniqueModel("arch2");
        await host.Operator.RegisterAsync(model, Churn, null);
        (await host.Operator.PostAsync($"/api/models/{model}/versions/1/archive", null)).Dispose();

        using var response = await host.Operator.PostAsync($"/api/models/{model}/versions/1/archive", null);

        await response.ExpectProblemAsync(HttpStatusCode.Conflict);
    }
}
