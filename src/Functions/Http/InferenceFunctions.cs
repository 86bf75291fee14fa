using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Configuration;
using MLOps.Functions.PredictionLog;
using MLOps.Functions.Registry;
using MLOps.Functions.Scoring;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Http;

/// <summary>The Open Inference Protocol (KServe V2) for any ONNX model: tensors in, tensors out.</summary>
public sealed class InferenceFunctions(
    FunctionRunner runner,
    IModelRegistry registry,
    AliasResolver aliases,
    ModelSessionCache sessions,
    Scorer scorer,
    PredictionLogQueue log,
    MLOpsMetrics metrics,
    TimeProvider time,
    IOptions<PredictionOptions> options)
{
    /// <summary>Most tensor elements in one request, across inputs: the row limit times a generous row width.</summary>
    private long MaxElements => (long)options.Value.MaxBatchRows * 4096;

    public Task<IResult> Infer(HttpRequest request, string name, string? version) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var selector = ModelSelector.From(request, version);
        using var body = await RequestBody.ReadJsonAsync(request, options.Value.MaxRequestBytes, ct).ConfigureAwait(false);
        var (id, inputsElement, requested) = ReadRequest(body.RootElement);

        var number = await selector.ResolveAsync(name, aliases, ct).ConfigureAwait(false);
        using var lease = await sessions.AcquireAsync(name, number, ct).ConfigureAwait(false);
        var session = lease.Session;
        var tensors = V2Tensors.ReadInputs(inputsElement, session.Version.Signature.Inputs, MaxElements);
        var rows = tensors[0].Shape.Length == 0 ? 1 : (int)Math.Min(tensors[0].Shape[0], int.MaxValue);
        if (rows > options.Value.MaxBatchRows)
        {
            throw MLOpsException.TooLarge($"The batch has {rows} rows; at most {options.Value.MaxBatchRows} are accepted per request.");
        }

        var outputNames = SelectOutputs(session, requested);
        var outputs = new List<(string Name, string Datatype, long[] Shape, Array Data)>();
        using (var inputValues = new OrtValueList(tensors.Count))
        {
            foreach (var tensor in tensors)
            {
                inputValues.Add(V2Tensors.ToOrtValue(tensor));
            }

            using var results = scorer.Run(session, tensors.Select(t => t.Name).ToList(), inputValues);
            var all = session.Session.OutputNames;
            for (var i = 0; i < all.Count; i++)
            {
                if (!outputNames.Contains(all[i]) || results[i].OnnxType != OnnxValueType.ONNX_TYPE_TENSOR)
                {
                    continue;
                }

                var info = results[i].GetTensorTypeAndShape();
                outputs.Add((all[i], V2Tensors.DatatypeOf(info.ElementDataType) ?? info.ElementDataType.ToString(), info.Shape, TensorValues.ToArray(results[i])));
            }
        }

        // As for records: the answer needs only the ids, the log line is written once the answer is on its way.
        var at = time.GetUtcNow();
        var ids = PredictionLogQueue.NewIds(at, rows);
        return new InferResponse(name, number, id, ids, outputs, () =>
        {
            LogRows(name, number, at, ids, tensors, outputs);
            metrics.RowsScored(name, number, rows);
        });
    });

    public Task<IResult> Metadata(HttpRequest request, string name, string? version) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var selector = ModelSelector.From(request, version);
        var number = await selector.ResolveAsync(name, aliases, ct).ConfigureAwait(false);
        var model = await registry.GetVersionAsync(name, number, ct).ConfigureAwait(false);
        var versions = await registry.ListVersionsAsync(name, ct).ConfigureAwait(false);
        return RegistryFunctions.Json(new
        {
            name,
            version = number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            versions = versions.Where(v => v.Status == ModelVersionStatus.Active).Select(v => v.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(),
            platform = "onnxruntime_onnx",
            inputs = model.Signature.Inputs.Select(i => new { name = i.Name, datatype = i.V2Datatype ?? i.Kind, shape = i.Shape ?? [] }).ToList(),
            outputs = model.Signature.Outputs.Select(o => new { name = o.Name, datatype = o.IsTensor ? o.V2Datatype : o.Kind, shape = o.Shape ?? [] }).ToList(),
        });
    });

    public Task<IResult> Ready(HttpRequest request, string name, string? version) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var number = await ModelSelector.From(request, version).ResolveAsync(name, aliases, ct).ConfigureAwait(false);
        using var lease = await sessions.AcquireAsync(name, number, ct).ConfigureAwait(false);
        return RegistryFunctions.Json(new { name, version = number.ToString(System.Globalization.CultureInfo.InvariantCulture), ready = true });
    });

    private static (string? Id, JsonElement Inputs, IReadOnlyList<string>? Outputs) ReadRequest(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw MLOpsException.Validation("The body must be an inference request object {\"inputs\": [...]}.");
        }

        string? id = null;
        JsonElement? inputs = null;
        List<string>? outputs = null;
        foreach (var p in root.EnumerateObject())
        {
            switch (p.Name)
            {
                case "id" when p.Value.ValueKind == JsonValueKind.String && p.Value.GetString()!.Length <= 256:
                    id = p.Value.GetString();
                    break;
                case "inputs":
                    inputs = p.Value;
                    break;
                case "parameters":
                    break;
                case "outputs" when p.Value.ValueKind == JsonValueKind.Array:
                    outputs = [];
                    foreach (var o in p.Value.EnumerateArray())
                    {
                        if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String)
                        {
                            throw MLOpsException.Validation("Each requested output must be an object with a 'name'.", [new("outputs", null, "Expected {\"name\": ...}.")]);
                        }

                        outputs.Add(n.GetString()!);
                    }

                    break;
                default:
                    throw MLOpsException.Validation($"Unexpected property '{ProblemText.Clip(p.Name)}' (or wrong type); a request has id, inputs, outputs and parameters.", [new(ProblemText.Clip(p.Name), null, "Unexpected.")]);
            }
        }

        return (id, inputs ?? throw MLOpsException.Validation("The request has no 'inputs'.", [new("inputs", null, "Missing.")]), outputs);
    }

    private static HashSet<string> SelectOutputs(ModelSession session, IReadOnlyList<string>? requested)
    {
        var available = session.Session.OutputMetadata;
        if (requested is null)
        {
            return available.Where(o => o.Value.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR).Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        }

        foreach (var name in requested)
        {
            if (!available.TryGetValue(name, out var meta))
            {
                throw MLOpsException.Validation($"The model has no output '{name}'. Its outputs are: {string.Join(", ", available.Keys)}.", [new("outputs", null, "Unknown output.")]);
            }

            if (meta.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR)
            {
                throw MLOpsException.Validation($"Output '{name}' is a {meta.OnnxValueType}, which the V2 protocol cannot carry; use the records API.", [new("outputs", null, "Not a tensor.")]);
            }
        }

        return requested.ToHashSet(StringComparer.Ordinal);
    }

    private void LogRows(string model, int version, DateTimeOffset at, string[] ids, IReadOnlyList<V2Tensor> inputs, List<(string Name, string Datatype, long[] Shape, Array Data)> outputs)
    {
        // Only tensors whose first dimension is the batch split into rows for the log.
        var rows = ids.Length;
        var perRow = outputs.Where(o => o.Shape.Length > 0 && o.Shape[0] == rows).ToDictionary(o => o.Name, o => TensorValues.ToRows(o.Data, rows));
        var logged = new V2Inputs(inputs.Where(t => t.Shape.Length > 0 && t.Shape[0] == rows).ToDictionary(t => t.Name, t => TensorValues.ToRows(t.Data, rows)));
        log.Append(model, version, at, ids, logged, new ScoreResult { Rows = rows, OtherOutputs = perRow });
    }

    private sealed class V2Inputs(Dictionary<string, object?[]> rows) : IPredictionInputs
    {
        public void WriteRow(Utf8JsonWriter writer, int row)
        {
            writer.WriteStartObject();
            foreach (var (name, values) in rows)
            {
                writer.WritePropertyName(name);
                PredictionJson.WriteValue(writer, values[row]);
            }

            writer.WriteEndObject();
        }
    }

    /// <summary>The V2 answer (<see cref="BufferedJsonAnswer"/>), then its log line (<c>afterAnswer</c>).</summary>
    private sealed class InferResponse(string model, int version, string? id, string[] ids, List<(string Name, string Datatype, long[] Shape, Array Data)> outputs, Action afterAnswer)
        : BufferedJsonAnswer(afterAnswer)
    {
        internal override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("model_name", model);
            writer.WriteString("model_version", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (id is not null)
            {
                writer.WriteString("id", id);
            }

            writer.WriteStartObject("parameters");
            writer.WriteStartArray("prediction_ids");
            foreach (var p in ids)
            {
                writer.WriteStringValue(p);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteStartArray("outputs");
            foreach (var (name, datatype, shape, data) in outputs)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("datatype", datatype);
                writer.WriteStartArray("shape");
                foreach (var d in shape)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WritePropertyName("data");
                PredictionJson.WriteValue(writer, data);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }
}
