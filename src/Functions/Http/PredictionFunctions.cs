using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Configuration;
using MLOps.Functions.PredictionLog;
using MLOps.Functions.Scoring;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Http;

/// <summary>Scores tabular records: <c>POST /api/models/{name}/predict</c>.</summary>
public sealed class PredictionFunctions(
    FunctionRunner runner,
    AliasResolver aliases,
    ModelSessionCache sessions,
    PredictionScheduler scheduler,
    PredictionLogQueue log,
    MLOpsMetrics metrics,
    TimeProvider time,
    IOptions<PredictionOptions> options)
{
    public Task<IResult> Predict(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var selector = ModelSelector.From(request);
        var body = await RequestBody.ReadJsonAsync(request, options.Value.MaxRequestBytes, ct).ConfigureAwait(false);
        try
        {
            var inputs = RecordsOf(body.RootElement);
            var version = await selector.ResolveAsync(name, aliases, ct).ConfigureAwait(false);
            ScoreResult result;
            using (var lease = await sessions.AcquireAsync(name, version, ct).ConfigureAwait(false))
            {
                var schema = lease.Session.Version.Features
                    ?? throw MLOpsException.Validation($"Version {version} of '{name}' has no feature schema, so it cannot take records; use POST /api/v2/models/{name}/infer with tensors.");
                var batch = RecordBatchParser.Parse(inputs, schema, options.Value.MaxBatchRows);
                result = await scheduler.ScoreAsync(lease.Session, batch).ConfigureAwait(false);
            }

            // The answer needs only the ids; the log line (which reads the request's records) is written once the answer
            // is on its way, and then the request's buffers go back to the pool.
            var at = time.GetUtcNow();
            var ids = PredictionLogQueue.NewIds(at, result.Rows);
            var owned = body;
            body = null;
            return new PredictionResponse(name, version, selector.Alias, ids, result, () =>
            {
                using (owned)
                {
                    log.Append(name, version, at, ids, new JsonRecordInputs(inputs), result);
                    metrics.RowsScored(name, version, result.Rows);
                }
            });
        }
        finally
        {
            body?.Dispose();
        }
    });

    private static JsonElement RecordsOf(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw MLOpsException.Validation("The body must be a JSON object like {\"inputs\": [{...}, ...]}.");
        }

        JsonElement? inputs = null;
        foreach (var property in root.EnumerateObject())
        {
            if (property.NameEquals("inputs"))
            {
                inputs = property.Value;
            }
            else
            {
                throw MLOpsException.Validation($"Unknown property '{ProblemText.Clip(property.Name)}'; the body takes only 'inputs'.", [new(ProblemText.Clip(property.Name), null, "Unknown property.")]);
            }
        }

        return inputs ?? throw MLOpsException.Validation("The body has no 'inputs' array of records.", [new("inputs", null, "Missing.")]);
    }
}
