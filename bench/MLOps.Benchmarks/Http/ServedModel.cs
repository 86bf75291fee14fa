using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MLOps.Functions.Local;
using MLOps.Functions.Telemetry;
using MLOps.Samples;

namespace MLOps.Benchmarks.Http;

/// <summary>The real local host, in this process on a free loopback port, serving the churn model as champion.</summary>
/// <remarks>
/// It runs against the given storage (the benchmark's own Azurite) with a storage prefix of its own, and removes its
/// containers and tables again when disposed.
/// </remarks>
internal sealed class ServedModel : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServedModel(WebApplication app, Uri baseAddress, string key, string prefix)
    {
        _app = app;
        BaseAddress = baseAddress;
        Key = key;
        Prefix = prefix;
    }

    public static string PredictPath => $"/api/models/{ChurnWorkload.ModelName}/predict";

    public Uri BaseAddress { get; }

    /// <summary>The admin key, sent as x-functions-key.</summary>
    public string Key { get; }

    public string Prefix { get; }

    /// <summary>The host's services, for calling its functions in process.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Scored rows the prediction log shed because its buffer was full.</summary>
    public long PredictionLogDropped => _app.Services.GetRequiredService<MLOpsMetrics>().PredictionLogDropped;

    /// <param name="storage">The storage connection string: the benchmark's own Azurite (<see cref="PrivateAzurite"/>).</param>
    /// <param name="logLevel">Minimum log level of the host.</param>
    /// <param name="predictionLog">Whether scored rows are logged to storage, as in production.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<ServedModel> StartAsync(string storage, LogLevel logLevel, bool predictionLog, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        var prefix = "bench" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var app = LocalFunctionsHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = storage,
                ["MLOps:Storage:Prefix"] = prefix,
                ["MLOps:PredictionLog:Enabled"] = predictionLog ? "true" : "false",
                ["MLOps:Auth:Keys:0:Name"] = "bench-admin",
                ["MLOps:Auth:Keys:0:Key"] = key,
                ["MLOps:Auth:Keys:0:Role"] = "admin",
            });
            builder.Logging.SetMinimumLevel(logLevel);
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var served = new ServedModel(app, HostAddress.Of(app), key, prefix);
        try
        {
            await served.RegisterChampionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await served.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return served;
    }

    public HttpClient Client(TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = timeout };
        client.DefaultRequestHeaders.Add("x-functions-key", Key);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        try
        {
            await BenchStorage.RemoveContainersAndTablesAsync(_app.Services).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException ex)
        {
            Console.WriteLine($"note: could not remove the benchmark's storage (prefix {Prefix}): {ex.Message}");
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Registers the quickstart churn model over HTTP, makes version 1 champion, and checks one prediction.</summary>
    private async Task RegisterChampionAsync(CancellationToken cancellationToken)
    {
        using var client = Client(TimeSpan.FromSeconds(60));
        using (var upload = new MultipartFormDataContent())
        {
            var model = new ByteArrayContent(SampleModels.ChurnClassifier());
            model.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            upload.Add(model, "model", "churn.onnx");
            upload.Add(new StringContent(SampleModels.ChurnMetadataJson(), Encoding.UTF8, "application/json"), "metadata");
            using var registered = await client.PostAsync($"/api/models/{ChurnWorkload.ModelName}/versions", upload, cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(registered, "register the churn model", cancellationToken).ConfigureAwait(false);
        }

        using (var alias = new StringContent("""{"version":1,"reason":"bench"}""", Encoding.UTF8, "application/json"))
        {
            using var moved = await client.PutAsync($"/api/models/{ChurnWorkload.ModelName}/aliases/champion", alias, cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(moved, "make version 1 champion", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One prediction, to check the route end to end and to learn how large an answer is.</summary>
    public async Task<string> PredictOnceAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var client = Client(TimeSpan.FromSeconds(60));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(PredictPath, content, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "predict one row", cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Could not {what}: HTTP {(int)response.StatusCode} {detail}"));
        }
    }
}
