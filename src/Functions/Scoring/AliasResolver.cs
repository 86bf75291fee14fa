using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MLOps.Domain.Problems;
using MLOps.Functions.Registry;

namespace MLOps.Functions.Scoring;

/// <summary>Where each alias points, held in memory so a prediction does not read storage to resolve it.</summary>
/// <remarks>
/// A move made on this instance updates the map as soon as it commits (its version was loaded before
/// the commit). Moves made on other instances arrive with <see cref="RefreshAsync"/>, which loads the
/// new version before switching to it, so no request on any instance pays for a load.
/// </remarks>
public sealed partial class AliasResolver(IModelRegistry registry, ModelSessionCache cache, ILogger<AliasResolver> logger)
{
    private readonly ConcurrentDictionary<(string Model, string Alias), int> _aliases = new();
    private readonly Lock _gate = new();

    public async ValueTask<int> ResolveAsync(string model, string alias, CancellationToken cancellationToken)
    {
        if (_aliases.TryGetValue((model, alias), out var version))
        {
            return version;
        }

        var assignment = await registry.FindAliasAsync(model, alias, cancellationToken).ConfigureAwait(false);
        if (assignment is null)
        {
            await registry.EnsureModelExistsAsync(model, cancellationToken).ConfigureAwait(false);
            throw MLOpsException.NotFound($"Model '{model}' has no alias '{alias}'. Point it at a version with PUT /api/models/{model}/aliases/{alias}, or pass ?version=.");
        }

        Set(model, alias, assignment.Version);
        return assignment.Version;
    }

    /// <summary>Records where an alias points now; a version no alias holds any more is retired.</summary>
    public void Set(string model, string alias, int? version)
    {
        int? previous;
        lock (_gate)
        {
            previous = _aliases.TryGetValue((model, alias), out var old) ? old : null;
            if (version is { } v)
            {
                _aliases[(model, alias)] = v;
                cache.Pin(model, v);
            }
            else
            {
                _aliases.TryRemove((model, alias), out _);
            }

            if (previous is { } p && p != version && !_aliases.Any(a => a.Key.Model == model && a.Value == p))
            {
                cache.Unpin(model, p);
                cache.Retire(model, p);
            }
        }

        if (previous != version)
        {
            LogAliasChanged(logger, model, alias, previous, version);
        }
    }

    /// <summary>Re-reads the aliases of every model this instance serves and follows moves made elsewhere.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var model in _aliases.Keys.Select(k => k.Model).Distinct().ToList())
        {
            var current = await registry.ListAliasesAsync(model, cancellationToken).ConfigureAwait(false);
            var known = _aliases.Where(a => a.Key.Model == model).ToDictionary(a => a.Key.Alias, a => a.Value, StringComparer.Ordinal);
            foreach (var assignment in current)
            {
                if (!known.TryGetValue(assignment.Alias, out var version) || version != assignment.Version)
                {
                    try
                    {
                        var target = await registry.GetVersionAsync(model, assignment.Version, cancellationToken).ConfigureAwait(false);
                        await cache.PreloadAsync(target, cancellationToken).ConfigureAwait(false);
                    }
                    catch (MLOpsException ex)
                    {
                        LogPreloadFailed(logger, model, assignment.Version, ex.Message);
                    }

                    Set(model, assignment.Alias, assignment.Version);
                }
            }

            foreach (var removed in known.Keys.Except(current.Select(c => c.Alias), StringComparer.Ordinal))
            {
                Set(model, removed, null);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alias {Alias} of {Model} now points to version {Version} (was {Previous})")]
    private static partial void LogAliasChanged(ILogger logger, string model, string alias, int? previous, int? version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not preload {Model} version {Version}: {Error}")]
    private static partial void LogPreloadFailed(ILogger logger, string model, int version, string error);
}
