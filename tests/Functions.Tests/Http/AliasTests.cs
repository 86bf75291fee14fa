using System.Net;
using System.Net.Http.Json;
using MLOps.Functions.Scoring;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Http;

[Collection(LocalHostCollection.Name)]
public sealed class AliasTests(LocalHostFixture host)
{
    private static readonly byte[] Churn = SampleModels.ChurnClassifier();

    private async Task<string> ModelWithVersions(int count)
    {
        var model = Api.UniqueModel("alias");
        for (var i = 0; i < count; i++)
        {
            await host.Operator.RegisterAsync(model, Churn, SampleModels.ChurnMetadataJson());
        }

        return model;
    }

    [Fact]
    public async Task SetAlias_Moves_AreRecordedWithWhoWhenFromToWhy()
    {
        var model = await ModelWithVersions(2);

        var first = await host.Operator.SetAliasAsync(model, "champion", 1, "first release");
        var second = await host.Admin.SetAliasAsync(model, "champion", 2, "better AUC");
        var history = await (await host.Reader.GetAsync($"/api/models/{model}/aliases/champion/history")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(1, first["version"]!.GetValue<int>());
        Assert.Equal(2, second["version"]!.GetValue<int>());
        var moves = history["items"]!.AsArray();
        Assert.Equal(2, moves.Count);
        Assert.Null(moves[0]!["fromVersion"]);
        Assert.Equal(1, moves[0]!["toVersion"]!.GetValue<int>());
        Assert.Equal("test-operator", moves[0]!["by"]!.GetValue<string>());
        Assert.Equal(1, moves[1]!["fromVersion"]!.GetValue<int>());
        Assert.Equal(2, moves[1]!["toVersion"]!.GetValue<int>());
        Assert.Equal("test-admin", moves[1]!["by"]!.GetValue<string>());
        Assert.Equal("better AUC", moves[1]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetAlias_AtTime_AnswersWhichVersionWasChampionThen()
    {
        var model = await ModelWithVersions(2);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await host.Operator.SetAliasAsync(model, "champion", 1);
        await Task.Delay(50);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await host.Operator.SetAliasAsync(model, "champion", 2);

        async Task<int?> At(DateTimeOffset t)
        {
            var answer = await (await host.Reader.GetAsync($"/api/models/{model}/aliases/champion?at={Uri.EscapeDataString(t.ToString("O"))}")).ExpectAsync(HttpStatusCode.OK);
            return answer["version"]?.GetValue<int>();
        }

        Assert.Null(await At(before));
        Assert.Equal(1, await At(between));
        Assert.Equal(2, await At(DateTimeOffset.UtcNow.AddSeconds(1)));
    }

    [Fact]
    public async Task SetAlias_StaleIfMatch_Is412AndAliasUnchanged()
    {
        var model = await ModelWithVersions(3);
        await host.Operator.SetAliasAsync(model, "champion", 1);
        using var read = await host.Reader.GetAsync($"/api/models/{model}/aliases/champion");
        var etag = read.Headers.ETag!.ToString();
        await host.Operator.SetAliasAsync(model, "champion", 2);

        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/models/{model}/aliases/champion") { Content = JsonContent.Create(new { version = 3 }) };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        using var response = await host.Operator.SendAsync(request);

        var problem = await response.ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        Assert.Equal(2, problem["currentVersion"]!.GetValue<int>());
        var now = await (await host.Reader.GetAsync($"/api/models/{model}/aliases/champion")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, now["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task SetAlias_CurrentIfMatch_Moves()
    {
        var model = await ModelWithVersions(2);
        await host.Operator.SetAliasAsync(model, "champion", 1);
        using var read = await host.Reader.GetAsync($"/api/models/{model}/aliases/champion");

        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/models/{model}/aliases/champion") { Content = JsonContent.Create(new { version = 2 }) };
        request.Headers.TryAddWithoutValidation("If-Match", read.Headers.ETag!.ToString());
        using var response = await host.Operator.SendAsync(request);

        await response.ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("W/\"datetime'2026-01-01T00%3A00%3A00.0000000Z'\"")]
    public async Task SetAlias_IfMatchOnMissingAlias_Is412AndCreatesNothing(string ifMatch)
    {
        var model = await ModelWithVersions(1);

        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/models/{model}/aliases/champion") { Content = JsonContent.Create(new { version = 1 }) };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        using var response = await host.Operator.SendAsync(request);

        await response.ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        await (await host.Reader.GetAsync($"/api/models/{model}/aliases/champion")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SetAlias_AnswersWithTheETagAReadReturns()
    {
        var model = await ModelWithVersions(1);

        using var put = await host.Operator.PutAsJsonAsync($"/api/models/{model}/aliases/champion", new { version = 1 });
        var body = await put.ExpectAsync(HttpStatusCode.OK);
        using var get = await host.Reader.GetAsync($"/api/models/{model}/aliases/champion");

        Assert.False(string.IsNullOrEmpty(put.Headers.ETag?.ToString()));
        Assert.Equal(get.Headers.ETag!.ToString(), put.Headers.ETag!.ToString());
        Assert.Equal(get.Headers.ETag!.ToString(), body["eTag"]!.GetValue<string>());
    }

    [Fact]
    public async Task SetAlias_ExpectedVersionMismatch_Is409()
    {
        var model = await ModelWithVersions(2);
        await host.Operator.SetAliasAsync(model, "champion", 1);

        using var response = await host.Operator.PutAsJsonAsync($"/api/models/{model}/aliases/champion", new { version = 2, expectedVersion = 2 });

        await response.ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task SetAlias_ConcurrentMoves_LoseNoUpdate()
    {
        var model = await ModelWithVersions(4);
        await host.Operator.SetAliasAsync(model, "champion", 1);

        var targets = Enumerable.Range(0, 12).Select(i => 2 + (i % 3)).ToList();
        var responses = await Task.WhenAll(targets.Select(v => host.Operator.PutAsJsonAsync($"/api/models/{model}/aliases/champion", new { version = v, reason = "race" })));
        var succeeded = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"unexpected {(int)r.StatusCode}"));

        var history = (await (await host.Reader.GetAsync($"/api/models/{model}/aliases/champion/history")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
        var current = await (await host.Reader.GetAsync($"/api/models/{model}/aliases/champion")).ExpectAsync(HttpStatusCode.OK);

        // Every successful move is in the history exactly once, and the moves chain: each starts where the last ended.
        Assert.Equal(succeeded + 1, history.Count);
        for (var i = 1; i < history.Count; i++)
        {
            Assert.Equal(history[i - 1]!["toVersion"]!.GetValue<int>(), history[i]!["fromVersion"]!.GetValue<int>());
        }

        Assert.Equal(history[^1]!["toVersion"]!.GetValue<int>(), current["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task SetAlias_ArchivedVersion_Is409()
    {
        var model = await ModelWithVersions(2);
        (await host.Operator.PostAsync($"/api/models/{model}/versions/1/archive", null)).Dispose();

        using var response = await host.Operator.PutAsJsonAsync($"/api/models/{model}/aliases/challenger", new { version = 1 });

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("archived", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Archive_VersionHoldingAlias_Is409()
    {
        var model = await ModelWithVersions(1);
        await host.Operator.SetAliasAsync(model, "champion", 1);

        using var response = await host.Operator.PostAsync($"/api/models/{model}/versions/1/archive", null);

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("champion", problem.Detail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"version":99}""", HttpStatusCode.NotFound)]
    [InlineData("""{"version":0}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"version":"one"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"reason":"no version"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"version":1,"extra":true}""", HttpStatusCode.BadRequest)]
    [InlineData("""not json""", HttpStatusCode.BadRequest)]
    [InlineData("", HttpStatusCode.BadRequest)]
    public async Task SetAlias_BadBody_IsProblem(string body, HttpStatusCode status)
    {
        var model = await ModelWithVersions(1);
        using var response = await host.Operator.PutAsync($"/api/models/{model}/aliases/champion", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.ExpectProblemAsync(status);
    }

    [Theory]
    [InlineData("Champion")]
    [InlineData("9x")]
    [InlineData("a-very-long-alias-name-that-goes-beyond-forty")]
    public async Task SetAlias_InvalidAliasName_Is400(string alias)
    {
        var model = await ModelWithVersions(1);
        using var response = await host.Operator.PutAsJsonAsync($"/api/models/{model}/aliases/{alias}", new { version = 1 });
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task SetAlias_LoadsTheVersionBeforeTheMoveCompletes()
    {
        var model = await ModelWithVersions(2);
        var cache = host.Service<ModelSessionCache>();

        await host.Operator.SetAliasAsync(model, "champion", 2);

        Assert.Contains((model, 2), cache.Loaded);
    }

    [Fact]
    public async Task DeleteAlias_RemovesAndRecords()
    {
        var model = await ModelWithVersions(1);
        await host.Operator.SetAliasAsync(model, "challenger", 1);

        using var delete = await host.Operator.DeleteAsync($"/api/models/{model}/aliases/challenger?reason=retired");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        using var get = await host.Reader.GetAsync($"/api/models/{model}/aliases/challenger");
        await get.ExpectProblemAsync(HttpStatusCode.NotFound);
        var history = (await (await host.Reader.GetAsync($"/api/models/{model}/aliases/challenger/history")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Null(history[^1]!["toVersion"]);
    }
}
