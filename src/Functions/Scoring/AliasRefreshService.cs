using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Functions.Configuration;

namespace MLOps.Functions.Scoring;

/// <summary>Follows alias moves made by other instances, every <see cref="RegistryOptions.AliasRefreshInterval"/>.</summary>
public sealed partial class AliasRefreshService(
    AliasResolver resolver, IOptions<RegistryOptions> options, TimeProvider time, ILogger<AliasRefreshService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.AliasRefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await resolver.RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRefreshFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alias refresh failed; serving the aliases known so far")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
