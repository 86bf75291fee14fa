using System.Security.Cryptography;

namespace MLOps.Functions.Datasets;

/// <summary>A read-only, forward-only stream that hashes every byte read through it with SHA-256.</summary>
/// <remarks>
/// Lets a file be hashed in the same pass that parses it, without holding it in memory. Seeking is refused, because a
/// hash over out-of-order reads would not be the file's hash.
/// </remarks>
public sealed class Sha256Stream(Stream inner) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[]? _digest;

    /// <summary>Bytes read so far.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException("A hashing stream reads forward only.");
    }

    /// <summary>Reads what is left (so the hash covers the whole input) and returns the lowercase hex SHA-256.</summary>
    public async Task<string> FinishAsync(CancellationToken cancellationToken)
    {
        if (_digest is null)
        {
            var buffer = new byte[81920];
            while (await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
            {
            }

            _digest = _hash.GetHashAndReset();
        }

        return Convert.ToHexStringLower(_digest);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Append(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Append(buffer.Span[..read]);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A hashing stream reads forward only.");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0)
        {
            if (_digest is not null)
            {
                throw new InvalidOperationException("The hash is already final.");
            }

            _hash.AppendData(data);
            BytesRead += data.Length;
        }
    }
}
