using Microsoft.Extensions.Logging;
using MLOps.Functions.Http;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Local.Queues;

/// <summary>The local host's queue triggers: one <see cref="QueueTriggerListener"/> per function in <see cref="FunctionCatalog.Queues"/>.</summary>
public sealed class LocalQueueTriggers(IServiceProvider services, StorageClients clients, IConfiguration configuration, IHostEnvironment environment, ILoggerFactory loggers) : BackgroundService
{
    /// <summary>Resolves a binding expression such as <c>%TrainingQueue%</c> from the app settings, as the Functions host does.</summary>
    public static string Resolve(string expression, IConfiguration configuration)
    {
        if (expression.Length > 2 && expression[0] == '%' && expression[^1] == '%')
        {
            var setting = expression[1..^1];
            return configuration[setting] is { Length: > 0 } value
                ? value
                : setting == Configuration.TrainingOptions.QueueSetting ? Configuration.TrainingOptions.DefaultQueueName
                : throw new InvalidOperationException($"App setting '{setting}' (used by a queue trigger) is not set.");
        }

        return expression;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = QueueTriggerSettings.Load(Path.Combine(environment.ContentRootPath, "host.json"));
        return Task.WhenAll(FunctionCatalog.Queues.Select(function =>
        {
            var name = Resolve(function.Queue, configuration);
            var listener = new QueueTriggerListener(
                clients.Queues.GetQueueClient(name),
                clients.Queues.GetQueueClient(name + "-poison"),
                function,
                settings,
                services,
                loggers.CreateLogger("MLOps.Functions.Local.Queues." + function.Name));
            return Task.Run(() => listener.RunAsync(stoppingToken), CancellationToken.None);
        }));
    }
}
