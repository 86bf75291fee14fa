using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using MLOps.Domain.Features;
using MLOps.Functions.Configuration;
using MLOps.Functions.Scoring;
using MLOps.Samples;

namespace MLOps.Benchmarks.Scoring;

/// <summary>In-process scoring of churn records: raw ONNX Runtime against our scorer, with and without record parsing.</summary>
/// <remarks>
/// All use one <see cref="InferenceSession"/> made with the serving options
/// (<see cref="ModelSessionCache.CreateSessionOptions"/>), so the difference is only what our code adds
/// around <c>Run</c>: tensors built from columns per call, the output plan, and copying results out.
/// 1000 rows is the batch the target is stated for; 1 row is what one HTTP prediction in the load run scores.
/// Workstation GC: with server GC BenchmarkDotNet 0.15.8 reported 0 bytes allocated for the baseline.
/// </remarks>
[MemoryDiagnoser]
[GcServer(false)]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class ScoringBenchmarks
{
    [Params(1000, 1)]
    public int Rows { get; set; }

    private static readonly string[] OutputNames = ["label", "probabilities"];

    private readonly Scorer _scorer = new();
    private readonly RunOptions _runOptions = new();
    private InferenceSession _inference = null!;
    private ModelSession _session = null!;
    private FeatureSchema _schema = null!;
    private FeatureBatch _batch = null!;
    private JsonDocument _body = null!;
    private string[] _inputNames = null!;
    private OrtValue[] _inputs = null!;

    [GlobalSetup]
    public void Setup()
    {
        var artifact = SampleModels.ChurnClassifier();
        var version = ChurnWorkload.Version(artifact);
        using (var options = ModelSessionCache.CreateSessionOptions(new PredictionOptions()))
        {
            _inference = new InferenceSession(artifact, options);
        }

        _session = new ModelSession(version, _inference);
        _schema = version.Features ?? throw new InvalidOperationException("The churn version has no feature schema.");
        _body = JsonDocument.Parse(ChurnWorkload.PredictBody(Rows));
        _batch = RecordBatchParser.Parse(_body.RootElement.GetProperty("inputs"), _schema, Rows);

        // The baseline's inputs: the same 1000 rows as [N,1] tensors, built once and reused by every Run.
        long[] shape = [Rows, 1];
        _inputNames = _schema.Features.Select(f => f.Name).ToArray();
        _inputs =
        [
            OrtValue.CreateTensorValueFromMemory(_batch.Column<float>(0), shape),
            OrtValue.CreateTensorValueFromMemory(_batch.Column<long>(1), shape),
            OrtValue.CreateTensorValueFromMemory(_batch.Column<double>(2), shape),
            StringTensors.Create(_batch.Column<string>(3), shape),
            OrtValue.CreateTensorValueFromMemory(_batch.Column<bool>(4), shape),
        ];

        // Same answer from both paths, or the comparison means nothing.
        var (labels, probabilities) = RawRun();
        var ours = _scorer.Score(_session, _batch);
        if (!labels.AsSpan().SequenceEqual(ours.IntLabels) || !probabilities.AsSpan().SequenceEqual(ours.Probabilities))
        {
            throw new InvalidOperationException("Scorer.Score and the raw InferenceSession.Run disagree on the churn batch.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var input in _inputs)
        {
            input.Dispose();
        }

        _body.Dispose();
        _runOptions.Dispose();
        _inference.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Raw InferenceSession.Run (prebuilt tensors)")]
    public (long[] Labels, float[] Probabilities) RawRun()
    {
        using var outputs = _inference.Run(_runOptions, _inputNames, _inputs, OutputNames);
        return (outputs[0].GetTensorDataAsSpan<long>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }

    [Benchmark(Description = "Scorer.Score (pre-parsed batch)")]
    public ScoreResult Score() => _scorer.Score(_session, _batch);

    [Benchmark(Description = "RecordBatchParser.Parse + Scorer.Score")]
    public ScoreResult ParseAndScore() =>
        _scorer.Score(_session, RecordBatchParser.Parse(_body.RootElement.GetProperty("inputs"), _schema, Rows));

    [Benchmark(Description = "RecordBatchParser.Parse only")]
    public FeatureBatch ParseOnly() => RecordBatchParser.Parse(_body.RootElement.GetProperty("inputs"), _schema, Rows);

    /// <summary>The part of <see cref="Score"/> that the baseline does not pay: wrapping the columns as tensors (strings are copied into native memory).</summary>
    [Benchmark(Description = "Input tensors only, built as Scorer does")]
    public int BuildInputs()
    {
        long[] shape = [Rows, 1];
        using var age = OrtValue.CreateTensorValueFromMemory(_batch.Column<float>(0), shape);
        using var tenure = OrtValue.CreateTensorValueFromMemory(_batch.Column<long>(1), shape);
        using var charges = OrtValue.CreateTensorValueFromMemory(_batch.Column<double>(2), shape);
        using var plan = StringTensors.Create(_batch.Column<string>(3), shape, _session.KnownCategories[3]);
        using var support = OrtValue.CreateTensorValueFromMemory(_batch.Column<bool>(4), shape);
        return _session.Session.InputMetadata.Count;
    }
}
