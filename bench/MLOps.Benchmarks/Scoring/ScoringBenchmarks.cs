using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using MLOps.Domain.Features;
using MLOps.Functions.Configuration;
using MLOps.Functions.Scoring;

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

    private readonly Scorer _scorer = new();
    private ChurnScoring _churn = null!;

    [GlobalSetup]
    public void Setup()
    {
        _churn = new ChurnScoring(Rows);

        // Same answer from both paths, or the comparison means nothing.
        var (labels, probabilities) = RawRun();
        var ours = _scorer.Score(_churn.Session, _churn.Batch);
        if (!labels.AsSpan().SequenceEqual(ours.IntLabels) || !probabilities.AsSpan().SequenceEqual(ours.Probabilities))
        {
            throw new InvalidOperationException("Scorer.Score and the raw InferenceSession.Run disagree on the churn batch.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _churn.Dispose();

    [Benchmark(Baseline = true, Description = "Raw InferenceSession.Run (prebuilt tensors)")]
    public (long[] Labels, float[] Probabilities) RawRun() => _churn.RawRun();

    [Benchmark(Description = "Scorer.Score (pre-parsed batch)")]
    public ScoreResult Score() => _scorer.Score(_churn.Session, _churn.Batch);

    [Benchmark(Description = "RecordBatchParser.Parse + Scorer.Score")]
    public ScoreResult ParseAndScore() =>
        _scorer.Score(_churn.Session, RecordBatchParser.Parse(_churn.Body.RootElement.GetProperty("inputs"), _churn.Schema, Rows));

    [Benchmark(Description = "RecordBatchParser.Parse only")]
    public FeatureBatch ParseOnly() => RecordBatchParser.Parse(_churn.Body.RootElement.GetProperty("inputs"), _churn.Schema, Rows);

    /// <summary>The part of <see cref="Score"/> that the baseline does not pay: wrapping the columns as tensors (strings are copied into native memory).</summary>
    [Benchmark(Description = "Input tensors only, built as Scorer does")]
    public int BuildInputs()
    {
        long[] shape = [Rows, 1];
        using var age = OrtValue.CreateTensorValueFromMemory(_churn.Batch.Column<float>(0), shape);
        using var tenure = OrtValue.CreateTensorValueFromMemory(_churn.Batch.Column<long>(1), shape);
        using var charges = OrtValue.CreateTensorValueFromMemory(_churn.Batch.Column<double>(2), shape);
        using var plan = StringTensors.Create(_churn.Batch.Column<string>(3), shape, _churn.Session.KnownCategories[3]);
        using var support = OrtValue.CreateTensorValueFromMemory(_churn.Batch.Column<bool>(4), shape);
        return _churn.Session.Session.InputMetadata.Count;
    }
}
