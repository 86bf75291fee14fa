using System.Diagnostics;
using Azure;
using Microsoft.AspNetCore.Http;
using MLOps.Functions.Storage;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Http;

/// <summary><c>GET /api/health</c>: anonymous, like the OpenAPI document and page. Liveness, plus whether storage answers.</summary>
/// <remarks>
/// Always 200 while the process serves requests: storage is shared by every instance, so an
/// unreachable account is reported in the body (status "degraded") rather than failing a
/// platform health probe that would only recycle healthy instances.
/// </remarks>
public sealed class HealthFunctions(FunctionRunner runner, StorageClients clients, StorageNames names, MLOpsMetrics metrics)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public Task<IResult> Health(HttpRequest request) => runner.RunAsync(request, null, async (_, ct) =>
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ProbeTimeout);
        var blobs = Probe(async t => await clients.Blobs.GetBlobContainerClient(names.ModelsContainer).GetPropertiesAsync(cancellationToken: t).ConfigureAwait(false), timeout.Token);
        var tables = Probe(async t =>
        {
            await foreach (var _ in clients.Tables.GetTableClient(names.RegistryTable).QueryAsync<Azure.Data.Tables.TableEntity>("PartitionKey eq '~health'", maxPerPage: 1, cancellationToken: t).ConfigureAwait(false))
            {
                break;
            }
        }, timeout.Token);
        var (blob, table) = (await blobs.ConfigureAwait(false), await tables.ConfigureAwait(false));
        var healthy = blob.Reachable && table.Reachable;
        return RegistryFunctions.Json(new
        {
            status = healthy ? "healthy" : "degraded",
            storage = new { reachable = healthy, blob, table },
            predictionLog = new { droppedRows = metrics.PredictionLogDropped },
        });
    });

    private static async Task<ProbeResult> Probe(Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await probe(cancellationToken).ConfigureAwait(false);
            return new ProbeResult(true, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException or HttpRequestException or AggregateException)
        {
            var error = ex is OperationCanceledException ? "timed out" : ex is RequestFailedException r ? $"{r.Status} {r.ErrorCode}" : "unreachable";
            return new ProbeResult(false, Stopwatch.GetElapsedTime(started).TotalMilliseconds, error);
        }
    }

    private sealed record ProbeResult(bool Reachable, double LatencyMs, string? Error);
}
