namespace MLOps.Domain.Registry;

/// <summary>One recorded change to a model: what was done, by whom, when, and to what.</summary>
public sealed record AuditEntry(
    string Model,
    string Action,
    string Actor,
    DateTimeOffset At,
    int? Version,
    string? Alias,
    string? Detail);

/// <summary>The actions the audit log records.</summary>
public static class AuditActions
{
    public const string ModelDeclared = "model.declared";
    public const string ModelUpdated = "model.updated";
    public const string VersionRegistered = "version.registered";
    public const string VersionArchived = "version.archived";
    public const string AliasMoved = "alias.moved";
    public const string AliasRemoved = "alias.removed";
    public const string PolicyChanged = "policy.changed";
    public const string RetrainingRequested = "retraining.requested";
    public const string RetrainingSuppressed = "retraining.suppressed";
    public const string DriftAlert = "drift.alert";
    public const string DriftSettingsChanged = "drift.settings_changed";
    public const string DatasetValidated = "dataset.validated";
    public const string DatasetQuarantined = "dataset.quarantined";
}
