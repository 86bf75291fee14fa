using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MLOps.Domain.Retraining;
using MLOps.Functions.Retraining;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Http;

[Collection(LocalHostCollection.Name)]
public sealed class PolicyTests(LocalHostFixture host)
{
    private async Task<string> NewModel()
    {
        var model = Api.UniqueModel("policy");
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        return model;
    }

    [Fact]
    public async Task GetPolicy_NeverSet_AnswersTheDefaults()
    {
        var model = await NewModel();

        var answer = await (await host.Reader.GetAsync($"/api/models/{model}/policy")).ExpectAsync(HttpStatusCode.OK);

        Assert.True(answer["isDefault"]!.GetValue<bool>());
        Assert.False(answer["policy"]!["retrainOnDrift"]!.GetValue<bool>());
        Assert.False(answer["policy"]!["retrainOnNewData"]!.GetValue<bool>());
        Assert.True(answer["policy"]!["monitored"]!.GetValue<bool>());
        Assert.Equal("1.00:00:00", answer["policy"]!["retrainCooldown"]!.GetValue<string>());
    }

    [Fact]
    public async Task SetPolicy_Stored_IsReadBackAndAudited()
    {
        var model = await NewModel();

        using var put = await host.Operator.PutAsync($"/api/models/{model}/policy", Json("""{"retrainOnDrift":true,"retrainCooldown":"06:00:00"}"""));
        var stored = await put.ExpectAsync(HttpStatusCode.OK);
        var read = await (await host.Reader.GetAsync($"/api/models/{model}/policy")).ExpectAsync(HttpStatusCode.OK);
        var audit = await (await host.Reader.GetAsync($"/api/models/{model}/audit")).ExpectAsync(HttpStatusCode.OK);

        Assert.False(stored["isDefault"]!.GetValue<bool>());
        Assert.NotNull(put.Headers.ETag);
        Assert.True(read["policy"]!["retrainOnDrift"]!.GetValue<bool>());
        Assert.Equal("06:00:00", read["policy"]!["retrainCooldown"]!.GetValue<string>());
        Assert.Equal("test-operator", read["updatedBy"]!.GetValue<string>());
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "policy.changed");
    }

    [Fact]
    public async Task SetPolicy_StaleIfMatch_Is412AndKeepsTheWinner()
    {
        var model = await NewModel();
        using var first = await host.Operator.PutAsync($"/api/models/{model}/policy", Json("""{"retrainOnDrift":true}"""));
        var etag = first.Headers.ETag!.Tag;
        using var second = await host.Operator.PutAsync($"/api/models/{model}/policy", Json("""{"retrainOnDrift":false}"""));

        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/models/{model}/policy") { Content = Json("""{"retrainOnNewData":true}""") };
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        await (await host.Operator.SendAsync(stale)).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        var read = await (await host.Reader.GetAsync($"/api/models/{model}/policy")).ExpectAsync(HttpStatusCode.OK);

        Assert.False(read["policy"]!["retrainOnNewData"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("""{"retrainCooldown":"-01:00:00"}""", "cooldown")]
    [InlineData("""{"retrainCooldown":"365.00:00:00"}""", "cooldown")]
    [InlineData("""{"retrainCooldown":"soon"}""", "retrainCooldown")]
    [InlineData("""{"retrainOnDrift":"yes"}""", "retrainOnDrift")]
    [InlineData("""{"retrainEverything":true}""", "retrainEverything")]
    [InlineData("""[true]""", "object")]
    public async Task SetPolicy_Invalid_Is400NamingTheProblemAndStoresNothing(string body, string mentioned)
    {
        var model = await NewModel();

        var problem = await (await host.Operator.PutAsync($"/api/models/{model}/policy", Json(body))).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var read = await (await host.Reader.GetAsync($"/api/models/{model}/policy")).ExpectAsync(HttpStatusCode.OK);

        Assert.Contains(mentioned, problem.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        Assert.True(read["isDefault"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Policy_Reader_CannotChangeIt()
    {
        var model = await NewModel();

        await (await host.Reader.PutAsync($"/api/models/{model}/policy", Json("{}"))).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await host.Anonymous.GetAsync($"/api/models/{model}/policy")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Policy_UnknownModel_Is404()
    {
        await (await host.Reader.GetAsync("/api/models/no-such-model-x/policy")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await host.Operator.PutAsync("/api/models/no-such-model-x/policy", Json("{}"))).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RequestRetraining_Manual_IsRecordedListedAndAudited()
    {
        var model = await NewModel();

        var record = await (await host.Operator.PostJsonAsync($"/api/models/{model}/retraining", """{"reason":"new labels from the call centre"}""")).ExpectAsync(HttpStatusCode.Accepted);
        var list = await (await host.Reader.GetAsync($"/api/models/{model}/retraining")).ExpectAsync(HttpStatusCode.OK);
        var audit = await (await host.Reader.GetAsync($"/api/models/{model}/audit")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("manual", record["reason"]!.GetValue<string>());
        Assert.Equal("recorded", record["status"]!.GetValue<string>());
        Assert.Equal(record["id"]!.GetValue<string>(), list["items"]![0]!["id"]!.GetValue<string>());
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "retraining.requested");
    }

    [Fact]
    public async Task RetrainingTrigger_ConcurrentDriftRequests_AcceptExactlyOneWithinTheCooldown()
    {
        var model = await NewModel();
        await (await host.Operator.PutAsync($"/api/models/{model}/policy", Json("""{"retrainOnDrift":true}"""))).ExpectAsync(HttpStatusCode.OK);
        var trigger = host.Service<IRetrainingTrigger>();

        var decisions = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            trigger.RequestAsync(new RetrainingRequest(model, RetrainingReason.Drift, $"check {i}", null, "DriftCheck"), CancellationToken.None)));
        var list = await trigger.ListAsync(model, 100, CancellationToken.None);

        Assert.Single(decisions, d => d.Accepted);
        Assert.All(decisions.Where(d => !d.Accepted), d => Assert.StartsWith("cooldown", d.SuppressedBecause, StringComparison.Ordinal));
        Assert.Single(list);
    }

    [Fact]
    public async Task RetrainingTrigger_PolicyOff_SuppressesAndAuditsWhy()
    {
        var model = await NewModel();
        var trigger = host.Service<IRetrainingTrigger>();

        var decision = await trigger.RequestAsync(new RetrainingRequest(model, RetrainingReason.NewData, "churn-2026-11.csv passed", null, "DatasetValidation"), CancellationToken.None);
        var audit = await (await host.Reader.GetAsync($"/api/models/{model}/audit")).ExpectAsync(HttpStatusCode.OK);

        Assert.False(decision.Accepted);
        Assert.Contains("retrainOnNewData", decision.SuppressedBecause, StringComparison.Ordinal);
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "retraining.suppressed");
        Assert.Empty(await trigger.ListAsync(model, 100, CancellationToken.None));
    }

    [Fact]
    public async Task RetrainingTrigger_RunActive_RejectsManualWith409()
    {
        var model = await NewModel();
        var trigger = host.Service<IRetrainingTrigger>();
        var first = await trigger.RequestAsync(new RetrainingRequest(model, RetrainingReason.Manual, "first", null, "test"), CancellationToken.None);
        await trigger.UpdateStatusAsync(model, first.Record!.Id, RetrainingStatus.Running, "run-1", CancellationToken.None);

        var problem = await (await host.Operator.PostJsonAsync($"/api/models/{model}/retraining", "{}")).ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("run-1", problem.Detail(), StringComparison.Ordinal);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
