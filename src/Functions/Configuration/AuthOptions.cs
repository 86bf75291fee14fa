namespace MLOps.Functions.Configuration;

/// <summary>The API keys and their roles. In Azure the keys come from Key Vault references in app settings.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "MLOps:Auth";

    /// <summary>The environment variable whose value, when set, is accepted as an admin key (for local runs).</summary>
    public const string AdminKeyVariable = "MLOPS_ADMIN_KEY";

    public IList<ApiKeyOptions> Keys { get; } = [];
}

/// <summary>One API key: a name to record in audit entries, the secret, and its role.</summary>
public sealed class ApiKeyOptions
{
    public string Name { get; set; } = string.Empty;

    public string Key { get; set; } = string.Empty;

    /// <summary>reader, operator, approver or admin.</summary>
    public string Role { get; set; } = "reader";
}
