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

    /// <summary>Blob trigger receipts (name + ETag) of the local host's container scan, like the Functions host's.</summary>
    public string BlobReceiptsTable => _prefix + "blobreceipts";

    /// <summary>Validation reports by model, newest first (the reports themselves are blobs in <see cref="ReportsContainer"/>).</summary>
    public string ValidationsTable => _prefix + "validations";

    /// <summary>Validated dataset versions per model (URI, SHA-256, rows, schema).</summary>
    public string DatasetVersionsTable => _prefix + "datasetversions";

    /// <summary>Blobs whose trigger failed 5 times, as the Functions host's webjobs-blobtrigger-poison queue.</summary>
    public string BlobTriggerPoisonQueue => _prefix + "webjobs-blobtrigger-poison";

    /// <summary>A container, table or queue name with the configured prefix, for names that come from the function catalog.</summary>
    public string Prefixed(string name) => _prefix + name;

    /// <summary>The containers the functions use under either host; created at start-up (<see cref="StorageInitializer"/>).</summary>
    public IEnumerable<string> Containers =>
        [ModelsContainer, PredictionsContainer, DatasetsContainer, ReferenceContainer, ReportsContainer, QuarantineContainer];

    /// <summary>The tables the functions use under either host; created at start-up (<see cref="StorageInitializer"/>).</summary>
    public IEnumerable<string> Tables => [ValidationsTable, DatasetVersionsTable, RegistryTable, DriftTable, FeedbackTable];

    /// <summary>
    /// The local host's stand-ins for what the Functions host keeps in storage of its own (timer locks, blob receipts):
    /// created by the local timer scheduler and blob-trigger scanner when they start, never by the Azure host.
    /// Listed here for whoever cleans a storage prefix up.
    /// </summary>
    public IEnumerable<string> LocalHostContainers => [LocksContainer];

    /// <inheritdoc cref="LocalHostContainers"/>
    public IEnumerable<string> LocalHostTables => [BlobReceiptsTable];
}
