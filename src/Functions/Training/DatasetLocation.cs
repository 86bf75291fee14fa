using System.Text.RegularExpressions;
using MLOps.Domain.Problems;

namespace MLOps.Functions.Training;

/// <summary>A dataset a training job may read: a blob in this app's datasets container, and nothing else.</summary>
/// <remarks>
/// The URI comes from a caller, so it is treated as hostile: only the configured storage account and its datasets
/// container are accepted (never another account, container or host, which would make the job fetch arbitrary
/// URLs), and the blob name must be a plain relative path (no "..", no backslashes, no control characters, no
/// percent-encoded tricks) ending in .csv or .parquet.
/// </remarks>
public sealed partial record DatasetLocation(string BlobName, Uri Uri)
{
    public const int MaxUriLength = 1024;

    public const string DatasetsContainerAlias = "datasets";

    /// <summary>Accepts <c>datasets/path/file.csv</c> or the blob's full URL in this account's datasets container.</summary>
    /// <param name="uri">What the caller sent.</param>
    /// <param name="accountBlobEndpoint">The blob service endpoint of the configured account.</param>
    /// <param name="container">The datasets container's real name (with the storage prefix).</param>
    public static DatasetLocation Parse(string? uri, Uri accountBlobEndpoint, string container)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            throw Invalid("'datasetUri' is required: the dataset's blob in the datasets container, such as datasets/churn/2026-11.csv.");
        }

        if (uri.Length > MaxUriLength)
        {
            throw Invalid($"'datasetUri' is longer than {MaxUriLength} characters.");
        }

        if (uri.Any(char.IsControl) || uri.Contains('\\', StringComparison.Ordinal))
        {
            throw Invalid("'datasetUri' contains control characters or backslashes.");
        }

        string path;
        if (uri.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(uri, UriKind.Absolute, out var absolute) || absolute.Scheme is not ("https" or "http"))
            {
                throw Invalid("'datasetUri' is not a valid http(s) URL.");
            }

            if (!string.IsNullOrEmpty(absolute.Query) || !string.IsNullOrEmpty(absolute.Fragment) || !string.IsNullOrEmpty(absolute.UserInfo))
            {
                throw Invalid("'datasetUri' must not carry a query (such as a SAS token), a fragment or credentials; the app reads the blob with its own identity.");
            }

            var endpoint = accountBlobEndpoint.AbsoluteUri.TrimEnd('/') + "/";
            var given = absolute.GetLeftPart(UriPartial.Path);
            if (!given.StartsWith(endpoint, StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid($"'datasetUri' points outside this app's storage account; datasets are read from {endpoint}{container}/ only.");
            }

            // The raw (still encoded) path, so "%2e%2e" or "%2f" cannot hide a traversal from the checks below.
            path = absolute.AbsolutePath[(new Uri(endpoint).AbsolutePath.Length)..];
            if (!path.StartsWith(container + "/", StringComparison.Ordinal))
            {
                throw Invalid($"'datasetUri' is not in the datasets container '{container}'.");
            }

            path = path[(container.Length + 1)..];
        }
        else
        {
            var prefix = uri.StartsWith(container + "/", StringComparison.Ordinal) ? container + "/" : DatasetsContainerAlias + "/";
            if (!uri.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw Invalid($"'datasetUri' must name a blob in the datasets container, as 'datasets/<path>.csv' or its full URL; got a path outside it.");
            }

            path = uri[prefix.Length..];
        }

        if (path.Contains('%', StringComparison.Ordinal))
        {
            throw Invalid("'datasetUri' must not contain percent-encoded characters in the blob name.");
        }

        var segments = path.Split('/');
        if (path.Length == 0 || segments.Any(s => s.Length == 0 || s is "." or ".." || !SegmentPattern().IsMatch(s)))
        {
            throw Invalid("'datasetUri' has an invalid blob name: use '/'-separated segments of letters, digits, '.', '_', '-' or '=', without empty, '.' or '..' segments.");
        }

        if (!path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid("'datasetUri' must name a .csv or .parquet file.");
        }

        var canonical = new Uri($"{accountBlobEndpoint.AbsoluteUri.TrimEnd('/')}/{container}/{path}");
        return new DatasetLocation(path, canonical);
    }

    private static MLOpsException Invalid(string message) => MLOpsException.Validation(message, [new("datasetUri", null, message)]);

    [GeneratedRegex("^[A-Za-z0-9._=-]{1,255}$")]
    private static partial Regex SegmentPattern();
}
