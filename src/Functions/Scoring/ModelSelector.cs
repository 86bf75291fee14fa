using Microsoft.AspNetCore.Http;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Functions.Http;

namespace MLOps.Functions.Scoring;

/// <summary>Which version a scoring request means: <c>?version=</c>, <c>?alias=</c>, or the champion.</summary>
public sealed record ModelSelector(int? Version, string? Alias)
{
    public static ModelSelector From(HttpRequest request, string? routeVersion = null)
    {
        var version = routeVersion ?? (request.Query.TryGetValue("version", out var v) ? v.ToString() : null);
        var alias = request.Query.TryGetValue("alias", out var a) ? a.ToString() : null;
        if (version is not null && alias is not null)
        {
            throw MLOpsException.Validation("Pass either a version or an alias, not both.", [new("alias", null, "Conflicts with version.")]);
        }

        if (version is not null)
        {
            return new ModelSelector(RegistryFunctions.ParseVersion(version), null);
        }

        alias ??= RegistryRules.DefaultAlias;
        RegistryRules.EnsureAliasName(alias);
        return new ModelSelector(null, alias);
    }

    /// <summary>The version number, resolving the alias through the in-memory alias map.</summary>
    public async ValueTask<int> ResolveAsync(string model, AliasResolver resolver, CancellationToken cancellationToken) =>
        Version ?? await resolver.ResolveAsync(model, Alias!, cancellationToken).ConfigureAwait(false);
}
