using MLOps.Domain.Problems;

namespace MLOps.Domain.Policies;

/// <summary>What the backend may do for a model on its own: watch it for drift, and retrain it when data or drift call for it.</summary>
/// <remarks>
/// Automatic retraining is opt-in (both switches default to false): a new training run costs compute and ends in an
/// approval request, so a team turns it on per model once its pipeline is trusted. The cooldown stops a burst of
/// uploads or a flapping drift signal from starting one run after another.
/// </remarks>
public sealed record ModelPolicy
{
    public static readonly TimeSpan DefaultCooldown = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxCooldown = TimeSpan.FromDays(90);

    public static ModelPolicy Default { get; } = new();

    /// <summary>Start retraining when an uploaded dataset passes validation.</summary>
    public bool RetrainOnNewData { get; init; }

    /// <summary>Start retraining when a drift check confirms data drift or performance decay.</summary>
    public bool RetrainOnDrift { get; init; }

    /// <summary>Least time between two automatic retraining requests.</summary>
    public TimeSpan RetrainCooldown { get; init; } = DefaultCooldown;

    /// <summary>Whether the scheduled drift check covers this model.</summary>
    public bool Monitored { get; init; } = true;

    public IReadOnlyList<ProblemError> Check()
    {
        var errors = new List<ProblemError>();
        if (RetrainCooldown < TimeSpan.Zero || RetrainCooldown > MaxCooldown)
        {
            errors.Add(new("retrainCooldown", null, $"The cooldown must be between 00:00:00 and {MaxCooldown.TotalDays:0}.00:00:00 (d.hh:mm:ss); got {RetrainCooldown}."));
        }

        return errors;
    }
}
