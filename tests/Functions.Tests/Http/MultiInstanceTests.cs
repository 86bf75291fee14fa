using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Functions.Local;
using MLOps.Functions.Scoring;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Http;

/// <summary>Two instances on the same storage, as a scaled-out Functions app runs.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class MultiInstanceTests(LocalHostFixture host)
{
    [Fact]
    public async Task AliasMovedOnAnotherInstance_IsFollowedAndPreloadedHere()
    {
        var model = Api.UniqueModel("multi");
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        await host.Operator.SetAliasAsync(model, "champion", 1);
        const string body = """{"inputs":[{"age":41,"tenure_months":12,"monthly_charges":70.5,"plan":"pro","has_support":true}]}""";
        await (await host.Reader.PostJsonAsync($"/api/models/{model}/predict", body)).ExpectAsync(HttpStatusCode.OK);

        await using var other = LocalFunctionsHost.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MLOps:Storage:Prefix"] = host.Prefix,
            ["MLOps:Auth:Keys:0:Name"] = "other-operator",
            ["MLOps:Auth:Keys:0:Key"] = host.OperatorKey,
            ["MLOps:Auth:Keys:0:Role"] = "operator",
        }));
        await other.StartAsync();
        var address = other.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var otherClient = new HttpClient { BaseAddress = new Uri(address) };
        otherClient.DefaultRequestHeaders.Add("x-functions-key", host.OperatorKey);
        await otherClient.SetAliasAsync(model, "champion", 2, "moved elsewhere");

        // The first instance refreshes aliases every 500 ms in the fixture, loading version 2 before it switches.
        var cache = host.Service<ModelSessionCache>();
        var served = 1;
        for (var attempt = 0; attempt < 40 && served != 2; attempt++)
        {
            await Task.Delay(100);
            var answer = await (await host.Reader.PostJsonAsync($"/api/models/{model}/predict", body)).ExpectAsync(HttpStatusCode.OK);
            served = answer["version"]!.GetValue<int>();
        }

        Assert.Equal(2, served);
        Assert.Contains((model, 2), cache.Loaded);
        Assert.DoesNotContain((model, 1), cache.Loaded);
        await other.StopAsync();
    }
}
