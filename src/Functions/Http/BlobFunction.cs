namespace MLOps.Functions.Http;

/// <summary>One blob-triggered function as both hosts expose it.</summary>
/// <param name="Name">The function name; the Azure binding's [Function] name is the same.</param>
/// <param name="Path">The blob path pattern, as in [BlobTrigger("datasets/{name}")]: container, then <c>{name}</c>.</param>
/// <param name="Connection">The app setting that holds the storage connection, as the binding's Connection.</param>
/// <param name="Handler">Runs the function for one blob name (relative to the container).</param>
public sealed record BlobFunction(string Name, string Path, string Connection, Func<IServiceProvider, string, CancellationToken, Task> Handler)
{
    /// <summary>The container part of <see cref="Path"/>, without the storage prefix.</summary>
    public string Container => Path[..Path.IndexOf('/', StringComparison.Ordinal)];

    /// <summary>The fixed part of the blob name before <c>{name}</c> (empty for "container/{name}").</summary>
    public string NamePrefix => Path[(Container.Length + 1)..Path.IndexOf("{name}", StringComparison.Ordinal)];
}
