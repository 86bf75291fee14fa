using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using MLOps.Domain.Features;
using MLOps.Domain.Registry;
using MLOps.Functions.Configuration;
using MLOps.Functions.Registry;
using MLOps.Functions.Scoring;
using MLOps.Training.Data;
using MLOps.Training.Export;
using MLOps.Training.Pipeline;

namespace MLOps.Benchmarks.Training;

/// <summary>
/// Scoring the LightGBM model trained on the 1M × 20 workload: ML.NET's own prediction (baseline: PredictionEngine for
/// one row, Transform over an in-memory view for 1,000) against our exported ONNX file, through the serving path
/// (<see cref="Scorer.Score"/>) and as a raw <see cref="InferenceSession.Run"/> on prebuilt tensors.
/// </summary>
/// <remarks>
/// Run in process (the model is trained once, about 15 s, and shared by all cases). Both sides start from rows already
/// in memory: ML.NET from a typed object or data view, ONNX Runtime from a parsed feature batch or tensors.
/// Rows are the first holdout rows. ONNX Runtime uses the serving options (one intra-op thread), as ML.NET predicts on one thread.
/// </remarks>
[MemoryDiagnoser]
public class ExportedScoringBenchmarks
{
    private static readonly Lazy<(TrainedModel Model, ExportedModel Exported, IReadOnlyList<KeyValuePair<string, Array>> Holdout)> Trained = new(Train);
    private static readonly string[] OutputNames = ["label", "probabilities"];

    private readonly Scorer _scorer = new();
    private readonly RunOptions _runOptions = new();
    private InferenceSession _inference = null!;
    private ModelSession _session = null!;
    private FeatureBatch _batch = null!;
    private OrtValue[] _inputs = [];
    private string[] _inputNames = [];
    private IDataView _view = null!;
    private PredictionEngine<WorkloadRow, WorkloadPrediction> _engine = null!;
    private WorkloadRow _row = null!;
    private TrainedModel _model = null!;

    [Params(1, 1000)]
    public int Rows { get; set; }

    private static (TrainedModel, ExportedModel, IReadOnlyList<KeyValuePair<string, Array>>) Train()
    {
        var data = TrainingWorkload.Dataset();
        var model = new ModelTrainer().Train(data.Recipe("lightgbm"), data.ToDataView(0, TrainingWorkload.TrainRows));
        var holdout = data.ToColumns(TrainingWorkload.TrainRows, 1_000);
        return (model, OnnxModelExporter.Export(model), holdout);
    }

    [GlobalSetup]
    public void Setup()
    {
        var (model, exported, holdout) = Trained.Value;
        _model = model;
        var columns = holdout.Select(p => KeyValuePair.Create(p.Key, Slice(p.Value, Rows))).ToList();
        _view = ColumnarDataView.Create(columns);
        _engine = model.CreatePredictionEngine<WorkloadRow, WorkloadPrediction>();
        _row = FirstRow(columns);

        var version = new ModelVersion
        {
            Model = "bench-trained",
            Version = 1,
            Status = ModelVersionStatus.Active,
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(exported.Onnx)),
            SizeBytes = exported.Onnx.Length,
            ArtifactPath = "bench/trained.onnx",
            CreatedAt = DateTimeOffset.UnixEpoch,
            CreatedBy = "bench",
            Signature = ModelRegistration.Inspect(exported.Onnx),
            Metadata = new VersionMetadata { Task = exported.Task, Features = exported.Features, ClassLabels = exported.ClassLabels },
        };
        using (var options = ModelSessionCache.CreateSessionOptions(new PredictionOptions()))
        {
            _inference = new InferenceSession(exported.Onnx, options);
        }

        _session = new ModelSession(version, _inference);
        using var body = JsonDocument.Parse(Body(columns, exported.Features));
        _batch = RecordBatchParser.Parse(body.RootElement.GetProperty("inputs"), exported.Features, Rows);
        long[] shape = [Rows, 1];
        _inputNames = exported.Features.Features.Select(f => f.Name).ToArray();
        _inputs = exported.Features.Features.Select((f, i) => f.Type switch
        {
            FeatureType.Float => OrtValue.CreateTensorValueFromMemory(_batch.Column<float>(i), shape),
            FeatureType.Bool => OrtValue.CreateTensorValueFromMemory(_batch.Column<bool>(i), shape),
            _ => StringTensors.Create(_batch.Column<string>(i), shape),
        }).ToArray();

        // The three paths must agree, or comparing their speed means nothing.
        var mlnet = MLNet();
        var onnx = _scorer.Score(_session, _batch).Probabilities!;
        for (var r = 0; r < Rows; r++)
        {
            if (Math.Abs(mlnet[r] - onnx[(2 * r) + 1]) > 1e-5)
            {
                throw new InvalidOperationException($"ML.NET and the exported model disagree on row {r}: {mlnet[r]} vs {onnx[(2 * r) + 1]}.");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var input in _inputs)
        {
            input.Dispose();
        }

        _engine.Dispose();
        _runOptions.Dispose();
        _inference.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ML.NET (PredictionEngine for 1 row, Transform for 1000)")]
    public float[] MLNet()
    {
        if (Rows == 1)
        {
            return [_engine.Predict(_row).Probability];
        }

        var scored = _model.Transformer.Transform(_view);
        var column = scored.Schema["Probability"];
        var result = new float[Rows];
        using var cursor = scored.GetRowCursor([column]);
        var get = cursor.GetGetter<float>(column);
        var i = 0;
        while (cursor.MoveNext())
        {
            get(ref result[i++]);
        }

        return result;
    }

    [Benchmark(Description = "Exported ONNX via Scorer.Score (serving path)")]
    public ScoreResult ServingPath() => _scorer.Score(_session, _batch);

    [Benchmark(Description = "Exported ONNX, raw InferenceSession.Run (prebuilt tensors)")]
    public float[] RawRun()
    {
        using var outputs = _inference.Run(_runOptions, _inputNames, _inputs, OutputNames);
        return outputs[1].GetTensorDataAsSpan<float>().ToArray();
    }

    private static WorkloadRow FirstRow(IReadOnlyList<KeyValuePair<string, Array>> columns)
    {
        var row = new WorkloadRow();
        foreach (var (name, values) in columns)
        {
            var field = typeof(WorkloadRow).GetField(name) ?? throw new InvalidOperationException($"WorkloadRow has no field {name}.");
            field.SetValue(row, values.GetValue(0) ?? string.Empty);
        }

        return row;
    }

    private static string Body(IReadOnlyList<KeyValuePair<string, Array>> columns, FeatureSchema schema)
    {
        var rows = columns[0].Value.Length;
        var inputs = new JsonArray();
        for (var i = 0; i < rows; i++)
        {
            var record = new JsonObject();
            foreach (var feature in schema.Features)
            {
                record[feature.Name] = columns.First(c => c.Key == feature.Name).Value.GetValue(i) switch
                {
                    float f when float.IsNaN(f) => null,
                    float f => JsonValue.Create(f),
                    bool b => JsonValue.Create(b),
                    string s => JsonValue.Create(s),
                    _ => JsonValue.Create(string.Empty),
                };
            }

            inputs.Add(record);
        }

        return new JsonObject { ["inputs"] = inputs }.ToJsonString();
    }

    private static Array Slice(Array values, int rows)
    {
        var slice = Array.CreateInstance(values.GetType().GetElementType()!, rows);
        Array.Copy(values, slice, rows);
        return slice;
    }
}
