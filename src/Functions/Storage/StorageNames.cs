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

    public IEnumerable<string> Containers =>
        [ModelsContainer, PredictionsContainer, DatasetsContainer, ReferenceContainer, ReportsContainer, QuarantineContainer];

    public IEnumerable<string> Tables => [RegistryTable];
}
