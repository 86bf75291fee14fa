using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using MLOps.Domain.Features;
using MLOps.Functions.Configuration;
using MLOps.Functions.Scoring;
using MLOps.Samples;

namespace MLOps.Benchmarks.Scoring;

/// <summary>
/// The churn model loaded with the serving session options, a parsed batch of <c>rows</c> records, and the same rows
/// as prebuilt [N,1] tensors for the raw <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/> baseline.
/// </summary>
internal sealed class ChurnScoring : IDisposable
{
    private static readonly string[] OutputNames = ["label", "probabilities"];

    private readonly RunOptions _runOptions = new();

    public ChurnScoring(int rows)
    {
        var artifact = SampleModels.ChurnClassifier();
        var version = ChurnWorkload.Version(artifact);
        using (var options = ModelSessionCache.CreateSessionOptions(new PredictionOptions()))
        {
            Inference = new InferenceSession(artifact, options);
        }

        Session = new ModelSession(version, Inference);
        Schema = version.Features ?? throw new InvalidOperationException("The churn version has no feature schema.");
        Body = JsonDocument.Parse(ChurnWorkload.PredictBody(rows));
        Batch = RecordBatchParser.Parse(Body.RootElement.GetProperty("inputs"), Schema, rows);

        long[] shape = [rows, 1];
        InputNames = Schema.Features.Select(f => f.Name).ToArray();
        Inputs =
        [
            OrtValue.CreateTensorValueFromMemory(Batch.Column<float>(0), shape),
            OrtValue.CreateTensorValueFromMemory(Batch.Column<long>(1), shape),
            OrtValue.CreateTensorValueFromMemory(Batch.Column<double>(2), shape),
            StringTensors.Create(Batch.Column<string>(3), shape),
            OrtValue.CreateTensorValueFromMemory(Batch.Column<bool>(4), shape),
        ];
    }

    public InferenceSession Inference { get; }

    public ModelSession Session { get; }

    public FeatureSchema Schema { get; }

    /// <summary>The request body the batch was parsed from.</summary>
    public JsonDocument Body { get; }

    public FeatureBatch Batch { get; }

    public string[] InputNames { get; }

    /// <summary>The batch's rows as prebuilt tensors, reused by every raw run.</summary>
    public OrtValue[] Inputs { get; }

    /// <summary>The baseline: <c>InferenceSession.Run</c> on the prebuilt tensors, outputs copied out.</summary>
    public (long[] Labels, float[] Probabilities) RawRun()
    {
        using var outputs = Inference.Run(_runOptions, InputNames, Inputs, OutputNames);
        return (outputs[0].GetTensorDataAsSpan<long>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }

    public void Dispose()
    {
        foreach (var input in Inputs)
        {
            input.Dispose();
        }

        Body.Dispose();
        _runOptions.Dispose();
        Inference.Dispose();
    }
}
