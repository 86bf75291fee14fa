using Microsoft.Extensions.Options;
using MLOps.Functions.Configuration;

namespace MLOps.Functions.Storage;

/// <summary>The names of every table and container the app uses, with the configured prefix applied.</summary>
public sealed class StorageNames(IOptions<StorageOptions> options)
{
    private readonly string _prefix = options.Value.Prefix;

    /// <summary>Immutable ONNX artifacts, content-addressed per model.</summary>
    public string ModelsContainer => _prefix + "models";

    /// <summary>Scored rows as JSON lines, per model, version and hour.</summary>
    public string PredictionsContainer => _prefix + "predictions";

    public string DatasetsContainer => _prefix + "datasets";

    public string ReferenceContainer => _prefix + "reference";

    public string ReportsContainer => _prefix + "reports";

    public string QuarantineContainer => _prefix + "quarantine";

    /// <summary>Models, versions, aliases, alias moves and audit entries, one partition per model.</summary>
    public string RegistryTable => _prefix + "registry";

    /// <summary>Drift settings and run history, one partition per model (reports and charts are blobs in <see cref="ReportsContainer"/>).</summary>
    public string DriftTable => _prefix + "drift";

    /// <summary>Ground-truth labels joined to logged predictions, one partition per model.</summary>
    public string FeedbackTable => _prefix + "feedback";

    /// <summary>Timer singletons (blob leases) and schedule status, as the Functions host keeps them in azure-webjobs-hosts.</summary>
    public string LocksContainer => _prefix + "locks";

    public IEnumerable<string> Containers =>
        [ModelsContainer, PredictionsContainer, DatasetsContainer, ReferenceContainer, ReportsContainer, QuarantineContainer, LocksContainer];

    public IEnumerable<string> Tables => [RegistryTable, DriftTable, FeedbackTable];
}
