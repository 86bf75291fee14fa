using System.Buffers.Binary;
using System.Reflection;

namespace MLOps.Functions.Datasets;

/// <summary>Checks a Parquet file's footer before Parquet.Net decodes it, so that a damaged or hostile footer is refused.</summary>
/// <remarks>
/// <para>
/// Parquet.Net 6.1's Thrift reader treats the end of the footer as an endless run of 0xFF bytes: a footer that ends inside
/// a varint or a struct (random bytes between two "PAR1" markers are enough) makes <c>ParquetReader.CreateAsync</c> spin
/// forever on a thread nobody can stop. Its list reader also sizes a list by the count it reads, before reading elements.
/// </para>
/// <para>
/// So the footer is checked twice. First by a bounded walk of its Thrift compact encoding, by wire types: varints of at
/// most 10 bytes, lengths and element counts within the bytes left, nesting at most 64 deep, nothing past the end.
/// Then Parquet.Net's own <c>FileMetaData.Read</c> runs on the same bytes over a stream that throws at its end instead of
/// reading 0xFF; decoding is deterministic, so a footer that passes this decodes the same way, and ends, in
/// <c>ParquetReader</c>. The second check goes through reflection (the Thrift reader and this method are internal); the central package
/// pin keeps the version fixed, and a test of a hostile footer fails if a new version moves the types.
/// </para>
/// </remarks>
internal static class ParquetFooter
{
    /// <summary>The largest footer read. Footers of large files with many row groups run to a few MB.</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    private const int MaxDepth = 64;

    private static readonly Lazy<Func<Stream, object>> Decode = new(CreateDecoder);

    /// <summary>Reads and checks the footer of <paramref name="file"/> (a complete file that ends with "PAR1"); leaves the position at 0.</summary>
    public static async Task CheckAsync(Stream file, long length, CancellationToken cancellationToken)
    {
        var trailer = new byte[8];
        file.Seek(-8, SeekOrigin.End);
        await file.ReadExactlyAsync(trailer, cancellationToken).ConfigureAwait(false);
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(trailer);
        if (footerLength <= 0 || footerLength > length - 12 || footerLength > MaxBytes)
        {
            throw Damaged(footerLength > MaxBytes
                ? $"its footer claims {footerLength} bytes, more than the {MaxBytes} read"
                : $"its footer length ({footerLength} bytes) does not fit the {length}-byte file");
        }

        var footer = new byte[footerLength];
        file.Seek(-8L - footerLength, SeekOrigin.End);
        await file.ReadExactlyAsync(footer, cancellationToken).ConfigureAwait(false);
        file.Position = 0;

        Check(footer);
    }

    /// <summary>Checks footer bytes (the Thrift-encoded FileMetaData); throws <see cref="TabularFormatException"/> when damaged.</summary>
    public static void Check(byte[] footer)
    {
        var walk = new Walk(footer);
        try
        {
            walk.Struct(0);
        }
        catch (FooterException ex)
        {
            throw Damaged($"its footer is not valid Thrift metadata ({ex.Message} at byte {walk.Position} of {footer.Length})");
        }

        try
        {
            _ = Decode.Value(new BoundedStream(footer));
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw Damaged($"its footer cannot be decoded ({ex.InnerException.GetType().Name})", ex.InnerException);
        }
    }

    private static TabularFormatException Damaged(string why, Exception? inner = null) =>
        new($"The file is not a readable Parquet file: {why}.", null, inner);

    private static Func<Stream, object> CreateDecoder()
    {
        var assembly = typeof(Parquet.ParquetReader).Assembly;
        var readerType = assembly.GetType("Parquet.Meta.Proto.ThriftCompactProtocolReader", throwOnError: true)!;
        var read = typeof(Parquet.Meta.FileMetaData).GetMethod("Read", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [readerType])
            ?? throw new MissingMethodException("Parquet.Meta.FileMetaData", "Read");
        return stream => read.Invoke(null, [Activator.CreateInstance(readerType, stream)])!;
    }

    private sealed class FooterException(string message) : Exception(message);

    /// <summary>A bounded walk of Thrift compact encoding by wire types.</summary>
    private sealed class Walk(byte[] bytes)
    {
        public int Position { get; private set; }

        private int Left => bytes.Length - Position;

        public void Struct(int depth)
        {
            if (depth > MaxDepth)
            {
                throw new FooterException($"structures nested deeper than {MaxDepth}");
            }

            while (true)
            {
                var header = Byte();
                if (header == 0)
                {
                    return; // stop
                }

                if (header >> 4 == 0)
                {
                    Varint(5); // a field id that is not a delta
                }

                Value(header & 0x0F, depth, inList: false);
            }
        }

        private void Value(int type, int depth, bool inList)
        {
            switch (type)
            {
                case 1 or 2: // booleans: in the field header, or one byte in a list
                    if (inList)
                    {
                        Byte();
                    }

                    break;
                case 3: // byte
                    Byte();
                    break;
                case 4 or 5 or 6: // i16, i32, i64
                    Varint(10);
                    break;
                case 7: // double
                    Skip(8);
                    break;
                case 8: // binary
                    Skip(Count(Varint(5)));
                    break;
                case 9 or 10: // list, set
                    var header = Byte();
                    var size = header >> 4 == 15 ? Count(Varint(5)) : header >> 4;
                    for (var i = 0; i < size; i++)
                    {
                        Value(header & 0x0F, depth + 1, inList: true);
                    }

                    break;
                case 11: // map
                    var entries = Count(Varint(5));
                    if (entries > 0)
                    {
                        var kinds = Byte();
                        for (var i = 0; i < entries; i++)
                        {
                            Value(kinds >> 4, depth + 1, inList: true);
                            Value(kinds & 0x0F, depth + 1, inList: true);
                        }
                    }

                    break;
                case 12: // struct
                    Struct(depth + 1);
                    break;
                default:
                    throw new FooterException($"unknown Thrift type {type}");
            }
        }

        /// <summary>A length or element count: every element takes at least one byte, so it cannot exceed the bytes left.</summary>
        private int Count(ulong value) => value <= (ulong)Left ? (int)value : throw new FooterException($"a length or count of {value} with {Left} bytes left");

        private ulong Varint(int maxBytes)
        {
            ulong value = 0;
            for (var i = 0; i < maxBytes; i++)
            {
                var b = Byte();
                value |= (ulong)(b & 0x7F) << (7 * i);
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }

            throw new FooterException($"a varint longer than {maxBytes} bytes");
        }

        private byte Byte() => Position < bytes.Length ? bytes[Position++] : throw new FooterException("the footer ends early");

        private void Skip(int count)
        {
            if (count > Left)
            {
                throw new FooterException("the footer ends early");
            }

            Position += count;
        }
    }

    /// <summary>A read-only view of the footer whose end is an error, not an endless run of -1 bytes.</summary>
    private sealed class BoundedStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override int ReadByte() => Position < Length ? base.ReadByte() : throw new EndOfStreamException("The footer ends early.");

        public override int Read(byte[] buffer, int offset, int count) =>
            count > 0 && Position >= Length ? throw new EndOfStreamException("The footer ends early.") : base.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) =>
            buffer.Length > 0 && Position >= Length ? throw new EndOfStreamException("The footer ends early.") : base.Read(buffer);
    }
}
