using MLOps.Domain.Policies;

namespace MLOps.Domain.Retraining;

/// <summary>Decides whether a retraining request may go ahead, from the model's policy and its last requests.</summary>
public static class RetrainingRules
{
    /// <summary>
    /// Null when the request may proceed; otherwise the reason it is suppressed and, for a cooldown, when it ends.
    /// </summary>
    /// <param name="policy">The model's policy.</param>
    /// <param name="request">The request.</param>
    /// <param name="lastAutomatic">The newest accepted automatic (not manual) request, if any.</param>
    /// <param name="active">A request whose run has not finished, if any.</param>
    /// <param name="now">The current time.</param>
    /// <remarks>
    /// Manual requests skip the policy switches and the cooldown (a person decided), but never start a second run
    /// while one is active: two runs would race to register a challenger.
    /// </remarks>
    public static (string Because, DateTimeOffset? RetryAfter)? Check(
        ModelPolicy policy, RetrainingRequest request, RetrainingRecord? lastAutomatic, RetrainingRecord? active, DateTimeOffset now)
    {
        if (active is not null)
        {
            return ($"retraining run {active.RunId ?? active.Id} for this model is still active (requested {active.RequestedAt:O})", null);
        }

        if (request.Reason == RetrainingReason.Manual)
        {
            return null;
        }

        var allowed = request.Reason switch
        {
            RetrainingReason.NewData => policy.RetrainOnNewData,
            RetrainingReason.Drift or RetrainingReason.Decay => policy.RetrainOnDrift,
            _ => false,
        };
        if (!allowed)
        {
            return (request.Reason == RetrainingReason.NewData
                ? "the model's policy does not retrain on new data (retrainOnNewData is false)"
                : "the model's policy does not retrain on drift (retrainOnDrift is false)", null);
        }

        if (lastAutomatic is not null && now - lastAutomatic.RequestedAt < policy.RetrainCooldown)
        {
            var until = lastAutomatic.RequestedAt + policy.RetrainCooldown;
            return ($"cooldown: the last automatic request was at {lastAutomatic.RequestedAt:O} and the policy's cooldown is {policy.RetrainCooldown}", until);
        }

        return null;
    }
}
