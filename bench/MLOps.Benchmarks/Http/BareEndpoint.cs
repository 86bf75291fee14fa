using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MLOps.Benchmarks.Http;

/// <summary>The yardstick: a Kestrel app whose one route answers a constant JSON, so its cost is the framework's alone.</summary>
internal sealed class BareEndpoint : IAsyncDisposable
{
    public const string Path = "/const";

    private readonly WebApplication _app;

    private BareEndpoint(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<BareEndpoint> StartAsync(string constJson, LogLevel logLevel)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(logLevel);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        var app = builder.Build();
        app.MapPost(Path, () => Results.Text(constJson, "application/json"));
        await app.StartAsync().ConfigureAwait(false);
        return new BareEndpoint(app, HostAddress.Of(app));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Where a started app listens, with the wildcard replaced by the loopback address.</summary>
internal static class HostAddress
{
    public static Uri Of(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The app reports no listening address.");
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }
}
