using System.Text;
using Microsoft.Extensions.Options;
using MLOps.Domain.Problems;
using MLOps.Domain.Security;
using MLOps.Functions.Configuration;
using MLOps.Functions.Security;

namespace MLOps.Functions.Tests.Security;

public sealed class ApiKeyStoreTests
{
    private static ApiKeyStore Store(params (string Key, string Role)[] keys)
    {
        var options = new AuthOptions();
        for (var i = 0; i < keys.Length; i++)
        {
            options.Keys.Add(new ApiKeyOptions { Name = "key" + i, Key = keys[i].Key, Role = keys[i].Role });
        }

        return new ApiKeyStore(Options.Create(options));
    }

    [Theory]
    [InlineData("€", 512)] // 3 UTF-8 bytes each: the longest presented key, 1,536 bytes
    [InlineData("😀", 256)] // a surrogate pair each: 512 characters, 4 UTF-8 bytes per pair
    [InlineData("k", 512)]
    public void Authorize_LongestKeysInAnyEncoding_AreMatched(string unit, int count)
    {
        var key = string.Concat(Enumerable.Repeat(unit, count));
        var store = Store((key, "operator"), ("another-key-of-enough-length", "reader"));

        var principal = store.Authorize(key, Role.Reader);

        Assert.Equal("key0", principal.Name);
        Assert.Equal(Role.Operator, principal.Role);
    }

    [Fact]
    public void Authorize_LoneSurrogates_AreComparedAsReplacementCharacters()
    {
        // Built here rather than passed as test data, which would not carry a lone surrogate through intact.
        var key = new string((char)0xD800, 512);
        var store = Store((key, "reader"));

        Assert.Equal("key0", store.Authorize(key, Role.Reader).Name);
        Assert.Throws<MLOpsException>(() => store.Authorize(new string((char)0xDC00, 511) + "x", Role.Reader));
    }

    [Fact]
    public void Authorize_KeyDifferingInItsLastCharacter_Is401()
    {
        var key = new string('€', 511) + "a";
        var store = Store((key, "admin"));

        var error = Assert.Throws<MLOpsException>(() => store.Authorize(key[..^1] + "b", Role.Reader));

        Assert.Equal(ProblemKind.Unauthorized, error.Kind);
    }

    [Fact]
    public void Authorize_KeyOverTheLength_Is401WithoutComparing()
    {
        var key = new string('€', 513);
        var store = Store((key, "admin"));

        var error = Assert.Throws<MLOpsException>(() => store.Authorize(key, Role.Reader));

        Assert.Equal(ProblemKind.Unauthorized, error.Kind);
    }

    [Theory]
    [InlineData("reader-key-of-enough-length-", null)] // a prefix of all three
    [InlineData("reader-key-of-enough-length-0", "key0")]
    [InlineData("reader-key-of-enough-length-00", "key2")] // the first key extended is another key
    [InlineData("reader-key-of-enough-length-000", null)] // extended past every key
    [InlineData("reader-key-of-enough-length-1", null)] // a prefix of a longer key
    [InlineData("READER-KEY-OF-ENOUGH-LENGTH-0", null)]
    public void Authorize_KeysThatArePrefixesOfEachOther_MatchOnlyThemselves(string presented, string? expected)
    {
        var store = Store(("reader-key-of-enough-length-0", "reader"), ("reader-key-of-enough-length-10", "operator"), ("reader-key-of-enough-length-00", "admin"));

        if (expected is null)
        {
            Assert.Equal(ProblemKind.Unauthorized, Assert.Throws<MLOpsException>(() => store.Authorize(presented, Role.Reader)).Kind);
        }
        else
        {
            Assert.Equal(expected, store.Authorize(presented, Role.Reader).Name);
        }
    }

    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("abc", "abd", false)]
    [InlineData("ab", "abc", false)]
    [InlineData("abcd", "abc", false)]
    [InlineData("", "abc", false)]
    public void FixedTimeEquals_IsEqualityOfBytesAndLength(string presented, string configured, bool expected) =>
        Assert.Equal(expected, ApiKeyStore.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(configured)));

    [Fact]
    public void Authorize_WeakerRole_Is403()
    {
        var store = Store(("reader-key-of-enough-length", "reader"));

        var error = Assert.Throws<MLOpsException>(() => store.Authorize("reader-key-of-enough-length", Role.Operator));

        Assert.Equal(ProblemKind.Forbidden, error.Kind);
    }
}
