using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Functions.Local;
using MLOps.Functions.Tests.Infrastructure;

namespace MLOps.Functions.Tests.Validation;

/// <summary>A local host with a fast blob scan and short leases, that a test can stop and start again on the same storage.</summary>
public sealed class ValidationHost : IAsyncDisposable
{
    private ValidationHost(WebApplication app, string prefix, string key)
    {
        App = app;
        Prefix = prefix;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
        Client.DefaultRequestHeaders.Add("x-functions-key", key);
        Client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public WebApplication App { get; }

    public string Prefix { get; }

    public HttpClient Client { get; }

    public static string NewPrefix() => "v" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    public static BlobContainerClient Container(string prefix, string name) => new BlobServiceClient("UseDevelopmentStorage=true").GetBlobContainerClient(prefix + name);

    public static TableClient Table(string prefix, string name) => new TableServiceClient("UseDevelopmentStorage=true").GetTableClient(prefix + name);

    public static QueueClient Queue(string prefix, string name) => new QueueServiceClient("UseDevelopmentStorage=true").GetQueueClient(prefix + name);

    public static async Task<ValidationHost> StartAsync(string prefix, string key, TimeSpan? lease = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        await Azurite.EnsureRunningAsync();
        var app = LocalFunctionsHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
            {
                ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
                ["MLOps:Storage:Prefix"] = prefix,
                ["MLOps:Auth:Keys:0:Name"] = "test-admin",
                ["MLOps:Auth:Keys:0:Key"] = key,
                ["MLOps:Auth:Keys:0:Role"] = "admin",
                ["MLOps:BlobTrigger:PollInterval"] = "00:00:00.200",
                ["MLOps:BlobTrigger:LeaseDuration"] = (lease ?? TimeSpan.FromSeconds(3)).ToString("c", CultureInfo.InvariantCulture),
                ["MLOps:BlobTrigger:RetryDelay"] = "00:00:00.100",
                ["MLOps:PredictionLog:Enabled"] = "false",
            }));
        await app.StartAsync();
        return new ValidationHost(app, prefix, key);
    }

    /// <summary>Waits until the model has at least <paramref name="count"/> validation reports, and returns them.</summary>
    public async Task<JsonArray> WaitForReportsAsync(string model, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var list = await (await Client.GetAsync($"/api/datasets/validations?model={model}")).ExpectAsync(System.Net.HttpStatusCode.OK);
            var items = list["items"]!.AsArray();
            if (items.Count >= count)
            {
                return items;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Only {items.Count} of {count} validation reports for '{model}' appeared in time.");
            await Task.Delay(200);
        }
    }

    public async Task<JsonNode> ReportAsync(string id) => await (await Client.GetAsync($"/api/datasets/validations/{id}")).ExpectAsync(System.Net.HttpStatusCode.OK);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
