using Parquet;
using Parquet.Schema;

namespace MLOps.Functions.Tests.Datasets;

/// <summary>Writes small Parquet files for tests: six flat columns of different types, one in ten scores null.</summary>
internal static class ParquetFiles
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<byte[]> WriteAsync(int groups, int rowsPerGroup)
    {
        var schema = new ParquetSchema(
            new DataField<int>("age"),
            new DataField<double?>("score"),
            new DataField<string>("plan"),
            new DataField<bool>("active"),
            new DataField<long>("id"),
            new DataField<DateTime>("at"));
        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(schema, stream))
        {
            for (var g = 0; g < groups; g++)
            {
                var rows = Enumerable.Range(g * rowsPerGroup, rowsPerGroup).ToArray();
                using var group = writer.CreateRowGroup();
                await group.WriteAsync<int>(schema.DataFields[0], rows.Select(i => 18 + (i % 60)).ToArray().AsMemory());
                await group.WriteAsync<double>(schema.DataFields[1], rows.Select(i => i % 10 == 9 ? (double?)null : i / 10.0).ToArray().AsMemory());
                await group.WriteAsync(schema.DataFields[2], rows.Select(i => i % 2 == 0 ? "pro" : "basic").ToArray());
                await group.WriteAsync<bool>(schema.DataFields[3], rows.Select(i => i % 3 == 0).ToArray().AsMemory());
                await group.WriteAsync<long>(schema.DataFields[4], rows.Select(i => (long)i).ToArray().AsMemory());
                await group.WriteAsync<DateTime>(schema.DataFields[5], rows.Select(i => Epoch.AddMinutes(i).UtcDateTime).ToArray().AsMemory());
            }
        }

        return stream.ToArray();
    }
}

/// <summary>A CSV produced on the fly as it is read (id,value,plan), so tests can read large inputs that are never in memory.</summary>
internal sealed class GeneratedCsvStream(int rows) : Stream
{
    private readonly byte[] _line = new byte[64];
    private int _row = -1;
    private int _lineLength;
    private int _linePosition;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var written = 0;
        while (written < buffer.Length)
        {
            if (_linePosition == _lineLength && !NextLine())
            {
                break;
            }

            var n = Math.Min(buffer.Length - written, _lineLength - _linePosition);
            _line.AsSpan(_linePosition, n).CopyTo(buffer[written..]);
            _linePosition += n;
            written += n;
        }

        return written;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private bool NextLine()
    {
        if (_row >= rows)
        {
            return false;
        }

        // Formatted into the line buffer without allocating, so the reader's allocations are all a test measures.
        if (_row < 0)
        {
            _lineLength = System.Text.Encoding.ASCII.GetBytes("id,value,plan\n", _line);
        }
        else
        {
            var span = _line.AsSpan();
            var n = 0;
            _row.TryFormat(span[n..], out var w, default, System.Globalization.CultureInfo.InvariantCulture);
            n += w;
            span[n++] = (byte)',';
            (_row % 1000 / 10.0).TryFormat(span[n..], out w, default, System.Globalization.CultureInfo.InvariantCulture);
            n += w;
            span[n++] = (byte)',';
            var plan = _row % 3 == 0 ? "pro\n"u8 : "basic\n"u8;
            plan.CopyTo(span[n..]);
            _lineLength = n + plan.Length;
        }

        _row++;
        _linePosition = 0;
        return true;
    }
}
