using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MLOps.Domain.Problems;
using MLOps.Domain.Security;
using MLOps.Functions.Configuration;

namespace MLOps.Functions.Security;

/// <summary>Checks the <c>x-functions-key</c> header against the configured keys and says who is calling.</summary>
/// <remarks>
/// <para>
/// A presented key is encoded as UTF-8 on the stack and compared with every configured key in fixed time: each
/// comparison reads all of the configured key's bytes whatever the presented ones are, so the time taken depends on
/// the configured keys' lengths and number, never on the presented key's content, its length or which key (if any)
/// matched. The stack copy is wiped afterwards. No key is ever logged.
/// </para>
/// <para>
/// The store holds the configured keys' UTF-8 bytes. The configuration holds the keys themselves for the life of the
/// process anyway (keep them in Key Vault references or the environment, never in files of the repository), so
/// hashing them here protected nothing more; hashing every presented key with SHA-256 through OpenSSL cost 7-12% of
/// single-row predict throughput at one request at a time and 4-8% at 16 in same-process A/B runs
/// (docs/benchmarks.md), far more than its in-process cost of under a microsecond suggests.
/// </para>
/// </remarks>
public sealed class ApiKeyStore
{
    public const string HeaderName = "x-functions-key";
    private const int MinKeyLength = 16;
    private const int MaxPresentedKeyLength = 512;

    private readonly List<(byte[] Utf8, Principal Principal)> _keys = [];

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

            _keys.Add((Encoding.UTF8.GetBytes(key.Key), new Principal(string.IsNullOrWhiteSpace(key.Name) ? role.ToString().ToLowerInvariant() : key.Name, role)));
        }

        if (Environment.GetEnvironmentVariable(AuthOptions.AdminKeyVariable) is { Length: > 0 } admin)
        {
            if (admin.Length < MinKeyLength)
            {
                throw new OptionsValidationException(AuthOptions.SectionName, typeof(AuthOptions), [$"{AuthOptions.AdminKeyVariable} is shorter than {MinKeyLength} characters."]);
            }

            _keys.Add((Encoding.UTF8.GetBytes(admin), new Principal("local-admin", Role.Admin)));
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
        // Every request comes here: encode on the stack. The caller let through at most 512 characters, 3 UTF-8 bytes each.
        Span<byte> utf8 = stackalloc byte[MaxPresentedKeyLength * 3];
        var presented = utf8[..Encoding.UTF8.GetBytes(key, utf8)];
        principal = null!;
        var found = false;

        // Compare against every key so the time taken does not depend on which (if any) matched.
        foreach (var (candidate, p) in _keys)
        {
            if (FixedTimeEquals(presented, candidate))
            {
                principal = p;
                found = true;
            }
        }

        CryptographicOperations.ZeroMemory(presented);
        return found;
    }

    /// <summary>Whether <paramref name="presented"/> is <paramref name="configured"/>, in a time that depends only on <paramref name="configured"/>'s length.</summary>
    internal static bool FixedTimeEquals(ReadOnlySpan<byte> presented, ReadOnlySpan<byte> configured)
    {
        // A presented key of another length is compared as the configured key against itself, which takes the same time.
        var sameLength = presented.Length == configured.Length;
        var equal = CryptographicOperations.FixedTimeEquals(sameLength ? presented : configured, configured);
        return sameLength & equal;
    }
}
