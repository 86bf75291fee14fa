namespace MLOps.Functions.Registry;

/// <summary>Documents kept with a model version: its reference profile, model card, evaluation report.</summary>
/// <remarks>
/// The ONNX artifact is immutable and content-addressed; these documents sit next to it under
/// <c>models/{model}/v{version}/{name}</c>. They describe the version rather than change it, so a profile can be
/// rebuilt or a card corrected without a new version number; every write is recorded in the model's audit trail.
/// </remarks>
public interface IVersionDocuments
{
    /// <summary>Writes (or replaces) a document; 404 when the model version is not registered.</summary>
    Task PutAsync(string model, int version, string name, BinaryData content, string contentType, string writtenBy, CancellationToken cancellationToken);

    /// <summary>The document, or null when the version has none of that name.</summary>
    Task<VersionDocument?> GetAsync(string model, int version, string name, CancellationToken cancellationToken);

    /// <summary>The names of the version's documents.</summary>
    Task<IReadOnlyList<string>> ListAsync(string model, int version, CancellationToken cancellationToken);

    /// <summary>Serialises <paramref name="value"/> with the app's JSON options and writes it.</summary>
    Task PutJsonAsync<T>(string model, int version, string name, T value, string writtenBy, CancellationToken cancellationToken);

    /// <summary>The document deserialised with the app's JSON options, or null when absent.</summary>
    Task<T?> GetJsonAsync<T>(string model, int version, string name, CancellationToken cancellationToken)
        where T : class;
}

/// <summary>A stored version document.</summary>
public sealed record VersionDocument(string Name, BinaryData Content, string ContentType, DateTimeOffset LastModified);

/// <summary>The names of the documents the backend itself writes.</summary>
public static class VersionDocumentNames
{
    public const string ReferenceProfile = "reference-profile.json";
    public const string ModelCard = "model-card.json";
    public const string ModelCardMarkdown = "model-card.md";
    public const string Evaluation = "evaluation.json";
}
