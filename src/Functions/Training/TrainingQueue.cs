using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using MLOps.Functions.Configuration;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Training;

/// <summary>The queue that starts training jobs; its name is the <c>TrainingQueue</c> app setting, as the trigger reads it.</summary>
/// <remarks>
/// Messages are base64-encoded JSON, the encoding the Functions queue trigger expects by default (host.json
/// <c>extensions.queues.messageEncoding</c>), so the same message works on both hosts.
/// </remarks>
public sealed class TrainingQueue(StorageClients clients, IConfiguration configuration)
{
    private volatile bool _created;

    public string Name { get; } = QueueName(configuration);

    /// <summary>The queue name the <c>%TrainingQueue%</c> binding expression resolves to.</summary>
    public static string QueueName(IConfiguration configuration) =>
        configuration[TrainingOptions.QueueSetting] is { Length: > 0 } name ? name : TrainingOptions.DefaultQueueName;

    public QueueClient Client => clients.Queues.GetQueueClient(Name);

    public async Task EnqueueAsync(TrainingJobMessage message, CancellationToken cancellationToken)
    {
        var client = Client;
        if (!_created)
        {
            await client.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _created = true;
        }

        // Base64 by hand: the service clients are shared, and the SDK's encoding option is per client.
        var text = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(message, JsonDefaults.Options));
        await client.SendMessageAsync(text, cancellationToken).ConfigureAwait(false);
    }
}
