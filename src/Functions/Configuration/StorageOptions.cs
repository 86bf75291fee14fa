using System.ComponentModel.DataAnnotations;

namespace MLOps.Functions.Configuration;

/// <summary>Which storage account to use and how to name what lives in it.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "MLOps:Storage";

    /// <summary>
    /// The app setting holding the connection, as Functions bindings name it: a connection string, or
    /// for identity-based access the settings <c>{name}__blobServiceUri</c>, <c>__tableServiceUri</c>, <c>__queueServiceUri</c>
    /// (or <c>{name}__accountName</c>).
    /// </summary>
    [Required]
    public string ConnectionName { get; set; } = "AzureWebJobsStorage";

    /// <summary>
    /// Prepended to every table and container name so several deployments (or test runs) can share an account.
    /// Lowercase letters and digits only.
    /// </summary>
    [RegularExpression("^[a-z0-9]{0,12}$")]
    public string Prefix { get; set; } = string.Empty;
}
