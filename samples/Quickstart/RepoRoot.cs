namespace MLOps.Samples;

/// <summary>The checkout's root: the nearest folder holding Serverless.sln, above the current directory or the binaries.</summary>
/// <remarks>Shared by the quickstart, the tests and the benchmarks (both reference this project), so the rule lives once.</remarks>
public static class RepoRoot
{
    public const string Marker = "Serverless.sln";

    /// <summary>The root, or null when neither the current directory nor the binaries sit inside a checkout.</summary>
    public static string? TryFind()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, Marker)))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>The root; throws when there is none.</summary>
    public static string Path => TryFind()
        ?? throw new InvalidOperationException($"Cannot find the repository root (no {Marker} above the current directory or the binaries).");
}
