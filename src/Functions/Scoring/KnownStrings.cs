using System.Runtime.InteropServices;
using System.Text;

namespace MLOps.Functions.Scoring;

/// <summary>A feature's known categories, encoded once as NUL-terminated UTF-8 in memory that never moves.</summary>
/// <remarks>
/// Record parsing hands back the schema's own string instance for a known category, so a lookup by reference finds the
/// encoded bytes without hashing or encoding the text again; <see cref="StringTensors"/> then passes their address to
/// ONNX Runtime directly. Any other string (a different instance with the same text included) is simply encoded.
/// </remarks>
internal sealed class KnownStrings
{
    private readonly byte[] _bytes;
    private readonly IntPtr _base;
    private readonly Dictionary<string, (int Offset, int Length)> _offsets = new(ReferenceEqualityComparer.Instance);

    private KnownStrings(IReadOnlyList<string> values)
    {
        var total = values.Sum(v => Encoding.UTF8.GetByteCount(v) + 1);
        _bytes = GC.AllocateArray<byte>(total, pinned: true);
        _base = Marshal.UnsafeAddrOfPinnedArrayElement(_bytes, 0);
        var offset = 0;
        foreach (var value in values)
        {
            var length = Encoding.UTF8.GetBytes(value, _bytes.AsSpan(offset));
            _offsets.TryAdd(value, (offset, length));
            offset += length;
            _bytes[offset++] = 0;
        }
    }

    /// <summary>The table for a feature's categories; null when it has none.</summary>
    public static KnownStrings? For(IReadOnlyList<string>? categories) =>
        categories is { Count: > 0 } ? new KnownStrings(categories) : null;

    /// <summary>The address of <paramref name="value"/>'s encoded bytes, when it is one of these very instances.</summary>
    public bool TryGet(string value, out IntPtr address)
    {
        if (_offsets.TryGetValue(value, out var entry))
        {
            address = _base + entry.Offset;
            return true;
        }

        address = IntPtr.Zero;
        return false;
    }

    /// <summary>The encoded bytes of <paramref name="value"/> (without the NUL), when it is one of these very instances.</summary>
    public bool TryGetUtf8(string value, out ReadOnlySpan<byte> utf8)
    {
        if (_offsets.TryGetValue(value, out var entry))
        {
            utf8 = _bytes.AsSpan(entry.Offset, entry.Length);
            return true;
        }

        utf8 = default;
        return false;
    }

    /// <summary>Keeps the pinned bytes alive for as long as a caller holds addresses into them.</summary>
    public void KeepAlive() => GC.KeepAlive(_bytes);
}
