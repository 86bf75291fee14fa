using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MLOps.Domain.Problems;
using MLOps.Domain.Security;
using MLOps.Functions.Configuration;

namespace MLOps.Functions.Security;

/// <summary>Checks the <c>x-functions-key</c> header against the configured keys and says who is calling.</summary>
/// <remarks>
/// This store keeps keys only as SHA-256 hashes and compares hash to hash in fixed time, so response timing does not
/// reveal a key and nothing it holds is one; the configured values themselves stay in the app's configuration, as
/// every setting does (keep them in Key Vault references or the environment, never in files of the repository).
/// A presented key is hashed on the stack and its bytes wiped. No key is ever logged.
/// </remarks>
public sealed class ApiKeyStore
{
    public const string HeaderName = "x-functions-key";
    private const int MinKeyLength = 16;
    private const int MaxPresentedKeyLength = 512;

    private readonly List<(byte[] Hash, Principal Principal)> _keys = [];

    public ApiKeyStore(IOptions<AuthOptions> options)
    {
        foreach (var key in options.Value.Keys)
        {
            if (key.Key.Length < MinKeyLength)
            {
                throw new OptionsValidationException(AuthOptions.SectionName, typeof(AuthOptions), [$"API key '{key.Name}' is shorter than {MinKeyLength} characters."]);
            }

            if (!Enum.TryParse<Role>(key.Role, ignoreCase: true, out var role))
            {
                throw new OptionsValidationException(AuthOptions.SectionName, typeof(AuthOptions), [$"API key '{key.Name}' has unknown role '{key.Role}'; use reader, operator, approver or admin."]);
            }

            _keys.Add((Hash(key.Key), new Principal(string.IsNullOrWhiteSpace(key.Name) ? role.ToString().ToLowerInvariant() : key.Name, role)));
        }

        if (Environment.GetEnvironmentVariable(AuthOptions.AdminKeyVariable) is { Length: > 0 } admin)
        {
            if (admin.Length < MinKeyLength)
            {
                throw new OptionsValidationException(AuthOptions.SectionName, typeof(AuthOptions), [$"{AuthOptions.AdminKeyVariable} is shorter than {MinKeyLength} characters."]);
            }

            _keys.Add((Hash(admin), new Principal("local-admin", Role.Admin)));
        }
    }

    public int Count => _keys.Count;

    /// <summary>The caller, if <paramref name="presentedKey"/> is a known key and its role grants <paramref name="required"/>; otherwise 401 or 403.</summary>
    public Principal Authorize(string? presentedKey, Role required)
    {
        if (string.IsNullOrEmpty(presentedKey))
        {
            throw new MLOpsException(ProblemKind.Unauthorized, "Unauthorized.", $"Send an API key in the '{HeaderName}' header.");
        }

        if (presentedKey.Length > MaxPresentedKeyLength || !TryFind(presentedKey, out var principal))
        {
            throw new MLOpsException(ProblemKind.Unauthorized, "Unauthorized.", $"The key in the '{HeaderName}' header is not valid.");
        }

        if (!principal.Has(required))
        {
            throw new MLOpsException(ProblemKind.Forbidden, "Forbidden.", $"This key has role '{principal.Role.ToString().ToLowerInvariant()}'; this operation needs '{required.ToString().ToLowerInvariant()}'.");
        }

        return principal;
    }

    private bool TryFind(string key, out Principal principal)
    {
        // Every request comes here: hash on the stack. The caller let through at most 512 characters, 3 UTF-8 bytes each.
        Span<byte> utf8 = stackalloc byte[MaxPresentedKeyLength * 3];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.UTF8.GetBytes(key, utf8);
        SHA256.HashData(utf8[..length], hash);
        CryptographicOperations.ZeroMemory(utf8[..length]);
        principal = null!;
        var found = false;

        // Compare against every key so the time taken does not depend on which (if any) matched.
        foreach (var (candidate, p) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate, hash))
            {
                principal = p;
                found = true;
            }
        }

        return found;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
