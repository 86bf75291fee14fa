using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Retraining;
using MLOps.Domain.Security;
using MLOps.Functions.Policies;
using MLOps.Functions.Registry;
using MLOps.Functions.Storage;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Retraining;

/// <summary><see cref="IRetrainingTrigger"/> on the model's registry partition.</summary>
/// <remarks>
/// A state row (last automatic request, active request) guarded by its ETag makes the check-and-record atomic: two drift
/// checks on two instances that both find drift write one request, and the other is told a run is active or cooling
/// down. The request row, the state row and the audit entry commit in one entity-group transaction.
/// No retraining pipeline exists in this deployment yet, so accepted requests are recorded with status
/// <see cref="RetrainingStatus.Recorded"/>: the pipeline would start here.
/// </remarks>
public sealed partial class RetrainingTrigger(
    StorageClients clients,
    StorageNames names,
    IModelRegistry registry,
    IModelPolicyStore policies,
    MLOpsMetrics metrics,
    TimeProvider time,
    ILogger<RetrainingTrigger> logger) : IRetrainingTrigger
{
    private const string StateRow = "retraining";
    private const string RequestPrefix = "retrain|";

    // "retrainkey|" sorts before "retrain|" ('k' < '|'), so these rows never show among the requests.
    private const string KeyPrefix = "retrainkey|";
    private const int MaxAttempts = 8;

    private TableClient Table => clients.Tables.GetTableClient(names.RegistryTable);

    public async Task<RetrainingDecision> RequestAsync(RetrainingRequest request, CancellationToken cancellationToken)
    {
        var policy = (await policies.GetAsync(request.Model, cancellationToken).ConfigureAwait(false)).Policy;
        var by = new Principal(request.RequestedBy, Role.Operator);
        var keyRow = request.IdempotencyKey is { } key ? KeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32] : null;
        for (var attempt = 1; ; attempt++)
        {
            if (keyRow is not null && await RecordedForKeyAsync(request.Model, keyRow, cancellationToken).ConfigureAwait(false) is { } recorded)
            {
                LogReplayed(logger, request.Model, recorded.Id);
                return RetrainingDecision.Accept(recorded); // a retry of work whose request was already recorded
            }

            var now = time.GetUtcNow();
            var state = await Table.GetEntityIfExistsAsync<TableEntity>(request.Model, StateRow, cancellationToken: cancellationToken).ConfigureAwait(false);
            var lastAutomaticId = state.HasValue ? state.Value!.GetString("LastAutomaticId") : null;
            var activeId = state.HasValue ? state.Value!.GetString("ActiveId") : null;
            var lastAutomatic = await FindAsync(request.Model, lastAutomaticId, cancellationToken).ConfigureAwait(false);

            // Usually the same request (the last automatic one is still the active one): read it once.
            var active = activeId == lastAutomaticId ? lastAutomatic : await FindAsync(request.Model, activeId, cancellationToken).ConfigureAwait(false);
            if (active is not null && active.Status is not RetrainingStatus.Running)
            {
                active = null;
            }

            if (RetrainingRules.Check(policy, request, lastAutomatic, active, now) is { } suppressed)
            {
                var detail = $"{request.Reason}: {suppressed.Because}. {request.Detail}";
                await (request.IdempotencyKey is { } again
                    ? registry.AppendAuditOnceAsync(request.Model, "retraining|" + again, AuditActions.RetrainingSuppressed, by, null, detail, cancellationToken)
                    : registry.AppendAuditAsync(request.Model, AuditActions.RetrainingSuppressed, by, null, detail, cancellationToken)).ConfigureAwait(false);
                metrics.RetrainingRequested(request.Model, request.Reason.ToString(), accepted: false);
                LogSuppressed(logger, request.Model, request.Reason, suppressed.Because);
                return RetrainingDecision.Suppress(suppressed.Because, suppressed.RetryAfter);
            }

            var id = $"{DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks:D19}-{Guid.NewGuid():N}"[..32];
            var record = new RetrainingRecord(id, request.Model, request.Reason, request.Detail, request.DatasetUri, request.RequestedBy, now, RetrainingStatus.Recorded);
            var newState = new TableEntity(request.Model, StateRow)
            {
                ["LastAutomaticId"] = request.Reason == RetrainingReason.Manual ? lastAutomaticId : id,
                ["ActiveId"] = id,
            };
            var actions = new List<TableTransactionAction>
            {
                state.HasValue
                    ? new(TableTransactionActionType.UpdateReplace, newState, state.Value!.ETag)
                    : new(TableTransactionActionType.Add, newState),
                new(TableTransactionActionType.Add, ToEntity(record)),
                new(TableTransactionActionType.Add, ModelRegistry.AuditEntity(request.Model, AuditActions.RetrainingRequested, by, now, null,
                    $"{request.Reason}: {request.Detail} (request {id}; no retraining pipeline is deployed, so it is recorded, not started)")),
            };
            if (keyRow is not null)
            {
                // Commits with the request: a retry that finds it returns this request (a concurrent one gets 409 and looks again).
                actions.Add(new(TableTransactionActionType.Add, new TableEntity(request.Model, keyRow) { ["RequestId"] = id }));
            }

            try
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                continue; // Another request won the state row; decide again on what it wrote.
            }

            metrics.RetrainingRequested(request.Model, request.Reason.ToString(), accepted: true);
            LogRecorded(logger, request.Model, request.Reason, id);
            return RetrainingDecision.Accept(record);
        }
    }

    public async Task<IReadOnlyList<RetrainingRecord>> ListAsync(string model, int max, CancellationToken cancellationToken)
    {
        await registry.EnsureModelExistsAsync(model, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {model} and RowKey ge {RequestPrefix} and RowKey lt {"retrain}"}");
        var result = new List<RetrainingRecord>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(FromEntity(entity));
            if (result.Count >= max)
            {
                break;
            }
        }

        return result;
    }

    public async Task<RetrainingRecord> UpdateStatusAsync(string model, string requestId, RetrainingStatus status, string? runId, CancellationToken cancellationToken)
    {
        var existing = await FindAsync(model, requestId, cancellationToken).ConfigureAwait(false)
            ?? throw MLOpsException.NotFound($"Model '{model}' has no retraining request '{requestId}'.");
        var updated = existing with { Status = status, RunId = runId ?? existing.RunId };
        await Table.UpdateEntityAsync(ToEntity(updated), ETag.All, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    private async Task<RetrainingRecord?> RecordedForKeyAsync(string model, string keyRow, CancellationToken cancellationToken)
    {
        var key = await Table.GetEntityIfExistsAsync<TableEntity>(model, keyRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        return key.HasValue ? await FindAsync(model, key.Value!.GetString("RequestId"), cancellationToken).ConfigureAwait(false) : null;
    }

    private async Task<RetrainingRecord?> FindAsync(string model, string? id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(model, RequestPrefix + id, cancellationToken: cancellationToken).ConfigureAwait(false);
        return entity.HasValue ? FromEntity(entity.Value!) : null;
    }

    private static TableEntity ToEntity(RetrainingRecord r) => new(r.Model, RequestPrefix + r.Id)
    {
        ["Reason"] = r.Reason.ToString(),
        ["Detail"] = r.Detail,
        ["DatasetUri"] = r.DatasetUri,
        ["RequestedBy"] = r.RequestedBy,
        ["RequestedAt"] = r.RequestedAt,
        ["Status"] = r.Status.ToString(),
        ["RunId"] = r.RunId,
    };

    private static RetrainingRecord FromEntity(TableEntity e) => new(
        e.RowKey[RequestPrefix.Length..],
        e.PartitionKey,
        Enum.Parse<RetrainingReason>(e.GetString("Reason"), ignoreCase: false),
        e.GetString("Detail") ?? string.Empty,
        e.GetString("DatasetUri"),
        e.GetString("RequestedBy") ?? string.Empty,
        e.GetDateTimeOffset("RequestedAt") ?? DateTimeOffset.MinValue,
        Enum.Parse<RetrainingStatus>(e.GetString("Status"), ignoreCase: false),
        e.GetString("RunId"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining of {Model} requested ({Reason}), recorded as {RequestId}")]
    private static partial void LogRecorded(ILogger logger, string model, RetrainingReason reason, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining of {Model}: the request for this work was already recorded as {RequestId}")]
    private static partial void LogReplayed(ILogger logger, string model, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining of {Model} ({Reason}) not requested: {Because}")]
    private static partial void LogSuppressed(ILogger logger, string model, RetrainingReason reason, string because);
}
