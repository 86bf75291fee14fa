using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using MLOps.Domain.Features;
using MLOps.Functions.Configuration;
using MLOps.Functions.Telemetry;

namespace MLOps.Functions.Scoring;

/// <summary>Scores request batches through each loaded version's <see cref="DynamicBatcher"/>, or directly when batching is off.</summary>
public sealed class PredictionScheduler(Scorer scorer, MLOpsMetrics metrics, IOptions<PredictionOptions> options)
{
    // One batcher per loaded session, dropped with it.
    private readonly ConditionalWeakTable<ModelSession, DynamicBatcher> _batchers = [];
    private readonly int _maxConcurrentRuns = options.Value.MaxConcurrentRuns > 0 ? options.Value.MaxConcurrentRuns : Math.Max(1, Environment.ProcessorCount / 2);

    public ValueTask<ScoreResult> ScoreAsync(ModelSession session, FeatureBatch batch)
    {
        if (!options.Value.DynamicBatching)
        {
            return new ValueTask<ScoreResult>(scorer.Score(session, batch));
        }

        // The lookup allocates nothing on the hot path; the factory delegate is made only for a newly loaded version.
        if (!_batchers.TryGetValue(session, out var batcher))
        {
            batcher = _batchers.GetValue(session, NewBatcher);
        }

        return batcher.ScoreAsync(batch);
    }

    private DynamicBatcher NewBatcher(ModelSession session) =>
        new(scorer, session, _maxConcurrentRuns, options.Value.DynamicBatchMaxRows, metrics.Batching(session.Version.Model, session.Version.Version));
}
