using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using MLOps.Domain.Evaluation;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;
using MLOps.Domain.Signatures;
using MLOps.Domain.Training;
using MLOps.Functions.Configuration;
using MLOps.Functions.Registry;
using MLOps.Functions.Scoring;

namespace MLOps.Functions.Training;

/// <summary>What scoring a model on a holdout gave: its report, or why it could not be scored.</summary>
public sealed record HoldoutScore(EvaluationReport? Report, string? Problem);

/// <summary>
/// Scores the candidate (and the champion, on the same rows) on the holdout with ONNX Runtime through the serving
/// code, measures the candidate's single-row latency, and builds the reference profile, in one pass over the dataset.
/// </summary>
public sealed class CandidateEvaluator(
    TrainingDatasets datasets,
    Scorer scorer,
    IOptions<TrainingOptions> options,
    IOptions<PredictionOptions> predictionOptions,
    TimeProvider time)
{
    /// <summary>Reads the dataset once: train rows feed the profile, holdout rows are kept to be scored.</summary>
    public async Task<(HoldoutSet Holdout, ReferenceProfileBuilder Profile)> ReadAsync(PreparedDataset dataset, TrainingRecipe recipe, CancellationToken cancellationToken)
    {
        var holdout = new HoldoutSet(recipe);
        var schema = recipe.ToFeatureSchema();
        var profile = new ReferenceProfileBuilder(schema);
        await datasets.ForEachRowAsync(dataset, recipe, (row, isHoldout) =>
        {
            if (isHoldout)
            {
                holdout.Add(row);
                return;
            }

            for (var f = 0; f < recipe.Features.Count; f++)
            {
                if (row.Missing[f])
                {
                    profile.AddMissing(f);
                }
                else if (recipe.Features[f].Kind == FeatureKind.Categorical)
                {
                    profile.AddCategory(f, row.Texts[f]);
                }
                else if (recipe.Features[f].Kind == FeatureKind.Boolean)
                {
                    profile.AddBool(f, row.Numbers[f] != 0);
                }
                else
                {
                    profile.AddNumeric(f, row.Numbers[f]);
                }
            }

            profile.EndRow();
        }, cancellationToken).ConfigureAwait(false);
        return (holdout, profile);
    }

    /// <summary>Loads ONNX bytes as the serving code would, for a model that is not registered yet.</summary>
    public ModelSession LoadCandidate(string model, byte[] onnx, ModelTask task, IReadOnlyList<string>? classLabels, FeatureSchema schema)
    {
        var signature = ModelRegistration.Inspect(onnx);
        using var sessionOptions = ModelSessionCache.CreateSessionOptions(predictionOptions.Value);
        var session = new InferenceSession(onnx, sessionOptions);
        var version = new ModelVersion
        {
            Model = model,
            Version = 0,
            Status = ModelVersionStatus.Active,
            Sha256 = string.Empty,
            SizeBytes = onnx.Length,
            ArtifactPath = string.Empty,
            CreatedAt = time.GetUtcNow(),
            CreatedBy = "training",
            Signature = signature,
            Metadata = new VersionMetadata { Task = task, Features = schema, ClassLabels = classLabels },
        };
        return new ModelSession(version, session);
    }

    /// <summary>Scores every holdout row with <paramref name="session"/> and computes the report; a problem instead when it cannot.</summary>
    /// <param name="fill">Values for missing cells of inputs that cannot carry NaN (see <see cref="FillValues"/>).</param>
    public HoldoutScore Evaluate(ModelSession session, TrainingRecipe recipe, HoldoutSet holdout, Func<int, double>? fill, Action<int, string, double>? prediction = null)
    {
        var schema = session.Version.Features;
        if (schema is null)
        {
            return new(null, "it has no feature schema to feed it with");
        }

        var rows = holdout.Rows;
        var batchRows = options.Value.EvaluationBatchRows;
        double[]? probabilities = null;
        var values = recipe.Task == ModelTask.Regression ? new double[rows] : null;
        IReadOnlyList<string>? classNames = null;
        for (var start = 0; start < rows; start += batchRows)
        {
            var count = Math.Min(batchRows, rows - start);
            var batch = holdout.Batch(schema, start, count, fill, out var problem);
            if (batch is null)
            {
                return new(null, problem);
            }

            ScoreResult result;
            try
            {
                result = scorer.Score(session, batch);
            }
            catch (Domain.Problems.MLOpsException ex)
            {
                return new(null, $"ONNX Runtime refused the holdout rows: {ex.Detail}");
            }

            if (values is not null)
            {
                if (result.Values is null)
                {
                    return new(null, "it gives no regression value");
                }

                Array.Copy(result.Values, 0, values, start, count);
                for (var r = 0; r < count; r++)
                {
                    prediction?.Invoke(start + r, string.Empty, result.Values[r]);
                }

                continue;
            }

            if (result.Probabilities is null || result.ClassNames.Count < 2)
            {
                return new(null, "it gives no class probabilities");
            }

            classNames ??= result.ClassNames;
            probabilities ??= new double[(long)rows * classNames.Count];
            var c = classNames.Count;
            for (var i = 0; i < count * c; i++)
            {
                probabilities[((long)start * c) + i] = result.Probabilities[i];
            }

            if (prediction is not null)
            {
                for (var r = 0; r < count; r++)
                {
                    var best = 0;
                    for (var k = 1; k < c; k++)
                    {
                        if (result.Probabilities[(r * c) + k] > result.Probabilities[(r * c) + best])
                        {
                            best = k;
                        }
                    }

                    var score = recipe.Task == ModelTask.BinaryClassification ? result.Probabilities[(r * c) + PositiveIndex(classNames)] : result.Probabilities[(r * c) + best];
                    prediction(start + r, classNames[best], score);
                }
            }
        }

        if (values is not null)
        {
            return new(EvaluationReport.ForRegression(RegressionMetrics.Compute(holdout.Values.ToArray(), values)), null);
        }

        if (classNames is null || probabilities is null)
        {
            return new(null, "the holdout is empty");
        }

        // Truth and model classes are matched by name; binary truth is "false"/"true" and the positive column is "1"/"true".
        var (classes, truth, aligned, mismatch) = Align(recipe.Task, classNames, probabilities, holdout.Truth);
        if (mismatch is not null)
        {
            return new(null, mismatch);
        }

        return new(EvaluationReport.ForClassification(recipe.Task, ClassificationMetrics.Compute(classes, truth, aligned)), null);
    }

    /// <summary>The 95th percentile of single-row scoring time, in milliseconds, over holdout rows in turn.</summary>
    /// <remarks>
    /// A measurement fed to the latency gate, not a test: it times <see cref="Scorer.Score"/> on one-row batches, after
    /// warm-up calls, on whatever else the machine is doing at the time (recorded with the report).
    /// </remarks>
    public double? MeasureLatencyP95(ModelSession session, HoldoutSet holdout, Func<int, double>? fill)
    {
        var schema = session.Version.Features!;
        var distinct = Math.Min(holdout.Rows, 64);
        if (distinct == 0)
        {
            return null;
        }

        var batches = new FeatureBatch[distinct];
        for (var i = 0; i < distinct; i++)
        {
            batches[i] = holdout.Batch(schema, i, 1, fill, out _)!;
        }

        var samples = options.Value.LatencySamples;
        for (var i = 0; i < Math.Max(10, samples / 10); i++)
        {
            scorer.Score(session, batches[i % distinct]);
        }

        var elapsed = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var started = time.GetTimestamp();
            scorer.Score(session, batches[i % distinct]);
            elapsed[i] = time.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(elapsed);
        return elapsed[(int)Math.Ceiling(0.95 * samples) - 1];
    }

    /// <summary>
    /// What a missing cell of an input that cannot carry NaN (bool, int32, int64) is scored with: the recipe's constant,
    /// or the training rows' mean, median (of the profile's sample) or most frequent value.
    /// </summary>
    public static Func<int, double> FillValues(TrainingRecipe recipe, ReferenceProfile trainProfile) => f =>
    {
        var feature = recipe.Features[f];
        var profile = trainProfile.Features[f];
        switch (feature.Imputation)
        {
            case ImputationStrategy.Constant when feature.FillValue is { } value:
                return value.ValueKind switch
                {
                    JsonValueKind.True => 1,
                    JsonValueKind.False => 0,
                    JsonValueKind.Number => value.GetDouble(),
                    _ => 0,
                };
            case ImputationStrategy.Mean when profile.Numeric is { } numeric:
                return numeric.Mean;
            case ImputationStrategy.Median when profile.Numeric is { Sample.Count: > 0 } numeric:
                return numeric.Sample[numeric.Sample.Count / 2];
            case ImputationStrategy.MostFrequent when profile.Categorical is { Counts.Count: > 0 } categorical:
                return categorical.Counts.MaxBy(c => c.Value).Key == "true" ? 1 : 0;
            case ImputationStrategy.MostFrequent when profile.Numeric is { Sample.Count: > 0 } numeric:
                return numeric.Sample.GroupBy(v => v).MaxBy(g => g.Count())!.Key;
            default:
                return 0;
        }
    };

    // The rule the reference profile's scores and the drift check's window share (MLOps.Domain.Profiles.PositiveClass).
    private static int PositiveIndex(IReadOnlyList<string> classNames) => PositiveClass.IndexOf(classNames);

    private static (IReadOnlyList<string> Classes, int[] Truth, double[] Probabilities, string? Problem) Align(
        ModelTask task, IReadOnlyList<string> modelClasses, double[] probabilities, IReadOnlyList<string> truth)
    {
        var rows = truth.Count;
        var c = modelClasses.Count;
        if (task == ModelTask.BinaryClassification)
        {
            if (c != 2)
            {
                return ([], [], [], $"it gives {c} class probabilities, not 2");
            }

            // Column 1 of the aligned matrix is the positive class.
            var positive = PositiveIndex(modelClasses);
            var binary = new double[rows * 2];
            var labels = new int[rows];
            for (var r = 0; r < rows; r++)
            {
                binary[(r * 2) + 1] = probabilities[(r * c) + positive];
                binary[r * 2] = probabilities[(r * c) + (1 - positive)];
                labels[r] = truth[r] == "true" ? 1 : 0;
            }

            return (["false", "true"], labels, binary, null);
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var k = 0; k < c; k++)
        {
            index[modelClasses[k]] = k;
        }

        var indexes = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            if (!index.TryGetValue(truth[r], out indexes[r]))
            {
                return ([], [], [], $"the holdout has class '{ProblemText.Clip(truth[r])}', which the model does not predict");
            }
        }

        return (modelClasses, indexes, probabilities, null);
    }
}
