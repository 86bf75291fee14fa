using System.Globalization;
using System.Text.Json;

namespace MLOps.Functions.Local.Queues;

/// <summary>
/// The queue trigger's settings from host.json (<c>extensions.queues</c>), with the Functions host's defaults, so the
/// local host polls, retries and poisons exactly as Azure Functions does with the same file.
/// </summary>
/// <param name="BatchSize">Messages fetched per poll (host default 16).</param>
/// <param name="NewBatchThreshold">Fetch again when this few or fewer messages are still running (default batchSize / 2).</param>
/// <param name="MaxPollingInterval">Longest wait between polls of an empty queue (default 1 minute); waits double from 100 ms up to it.</param>
/// <param name="VisibilityTimeout">How long a failed message stays invisible before its retry (default 0).</param>
/// <param name="MaxDequeueCount">Attempts before a message moves to the poison queue "&lt;queue&gt;-poison" (default 5).</param>
/// <param name="Base64">Whether message text is base64 (messageEncoding "base64", the default) or plain ("none").</param>
public sealed record QueueTriggerSettings(int BatchSize, int NewBatchThreshold, TimeSpan MaxPollingInterval, TimeSpan VisibilityTimeout, int MaxDequeueCount, bool Base64)
{
    /// <summary>How long a running message stays invisible; it is renewed at half of this while the function runs (as the host does).</summary>
    public static readonly TimeSpan RunningVisibility = TimeSpan.FromMinutes(10);

    public static QueueTriggerSettings Defaults { get; } = new(16, 8, TimeSpan.FromMinutes(1), TimeSpan.Zero, 5, true);

    /// <summary>Reads host.json next to the app (or returns the defaults when there is none).</summary>
    public static QueueTriggerSettings Load(string? hostJsonPath)
    {
        if (hostJsonPath is null || !File.Exists(hostJsonPath))
        {
            return Defaults;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(hostJsonPath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("extensions", out var extensions) || !extensions.TryGetProperty("queues", out var queues))
        {
            return Defaults;
        }

        var batch = Int(queues, "batchSize") ?? Defaults.BatchSize;
        return new QueueTriggerSettings(
            Math.Clamp(batch, 1, 32),
            Math.Max(0, Int(queues, "newBatchThreshold") ?? (batch / 2)),
            Time(queues, "maxPollingInterval") ?? Defaults.MaxPollingInterval,
            Time(queues, "visibilityTimeout") ?? Defaults.VisibilityTimeout,
            Math.Max(1, Int(queues, "maxDequeueCount") ?? Defaults.MaxDequeueCount),
            !(queues.TryGetProperty("messageEncoding", out var encoding) && string.Equals(encoding.GetString(), "none", StringComparison.OrdinalIgnoreCase)));
    }

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt32(out var number) ? number : null;

    private static TimeSpan? Time(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        && TimeSpan.TryParse(value.GetString(), CultureInfo.InvariantCulture, out var time) ? time : null;
}
