using System.Net.Http.Headers;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Functions.Local;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Tests.Infrastructure;

/// <summary>
/// The real local host on a free loopback port against real Azurite, with its own storage prefix so
/// runs never see each other's data, and one HTTP client per role.
/// </summary>
public class LocalHostFixture : IAsyncLifetime
{
    public const long MaxModelBytes = 2 * 1024 * 1024;
    public const long MaxRequestBytes = 256 * 1024;
    public const int MaxBatchRows = 50;

    public string AdminKey { get; } = NewKey();

    public string OperatorKey { get; } = NewKey();

    public string ReaderKey { get; } = NewKey();

    public string Prefix { get; } = "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public WebApplication App { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public HttpClient Reader { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public BlobServiceClient Blobs => App.Services.GetRequiredService<StorageClients>().Blobs;

    public StorageNames Names => App.Services.GetRequiredService<StorageNames>();

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        await Azurite.EnsureRunningAsync();
        App = LocalFunctionsHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
                ["MLOps:Storage:Prefix"] = Prefix,
                ["MLOps:Registry:MaxModelBytes"] = MaxModelBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["MLOps:Prediction:MaxRequestBytes"] = MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["MLOps:Prediction:MaxBatchRows"] = MaxBatchRows.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["MLOps:PredictionLog:FlushInterval"] = "00:00:00.200",
                ["MLOps:Registry:AliasRefreshInterval"] = "00:00:00.500",
                ["TrainingQueue"] = Prefix + "training-jobs",
                ["MLOps:Auth:Keys:0:Name"] = "test-admin",
                ["MLOps:Auth:Keys:0:Key"] = AdminKey,
                ["MLOps:Auth:Keys:0:Role"] = "admin",
                ["MLOps:Auth:Keys:1:Name"] = "test-operator",
                ["MLOps:Auth:Keys:1:Key"] = OperatorKey,
                ["MLOps:Auth:Keys:1:Role"] = "operator",
                ["MLOps:Auth:Keys:2:Name"] = "test-reader",
                ["MLOps:Auth:Keys:2:Key"] = ReaderKey,
                ["MLOps:Auth:Keys:2:Role"] = "reader",
            });
            var extra = new Dictionary<string, string?>();
            Configure(extra);
            builder.Configuration.AddInMemoryCollection(extra);
        });
        await App.StartAsync();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        Admin = Client(AdminKey);
        Operator = Client(OperatorKey);
        Reader = Client(ReaderKey);
        Anonymous = Client(null);
    }

    /// <summary>Lets a derived fixture add or override settings of the host it starts.</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("x-functions-key", key);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in new[] { Admin, Operator, Reader, Anonymous })
        {
            client?.Dispose();
        }

        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
}

[CollectionDefinition(Name)]
public sealed class LocalHostCollection : ICollectionFixture<LocalHostFixture>
{
    public const string Name = "local host";
}
