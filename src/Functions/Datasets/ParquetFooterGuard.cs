namespace MLOps.Functions.Datasets;

/// <summary>Checks a Parquet footer's Thrift structure in one bounded pass before Parquet.Net decodes it.</summary>
/// <remarks>
/// Parquet.Net 6.1 skips unknown Thrift fields with a loop over the declared element count of a list, and skipping a
/// boolean or byte element consumes nothing (or only moves the position past the end). A 500-byte footer that declares
/// a list of 2^31 such elements therefore keeps a thread busy for minutes; random bytes between two PAR1 markers hit
/// this twice in 30 tries, which is how a randomised test hung a test run now and then. Here every element of a list, set or map
/// must take at least one byte (as the compact protocol encodes it: a boolean in a list is one byte), so no count can
/// exceed the bytes that remain, and the walk ends after at most one step per byte of the footer.
/// </remarks>
internal static class ParquetFooterGuard
{
    private const int MaxDepth = 64;

    /// <summary>Throws <see cref="TabularFormatException"/> when the footer is not one well-formed Thrift compact struct.</summary>
    public static void Check(ReadOnlySpan<byte> footer)
    {
        var position = 0;
        if (!Struct(footer, ref position, 0, out var problem))
        {
            throw new TabularFormatException($"The file is not a readable Parquet file: its footer metadata is malformed ({problem}).");
        }
    }

    private static bool Struct(ReadOnlySpan<byte> data, ref int position, int depth, out string problem)
    {
        if (depth > MaxDepth)
        {
            problem = $"structures nested deeper than {MaxDepth}";
            return false;
        }

        while (true)
        {
            if (position >= data.Length)
            {
                problem = "a structure runs past the end of the footer";
                return false;
            }

            var header = data[position++];
            if (header == 0)
            {
                problem = string.Empty;
                return true;
            }

            // A zero delta means the field id follows as a zigzag varint.
            if ((header >> 4) == 0 && !VarInt(data, ref position, out _, out problem))
            {
                return false;
            }

            if (!Value(data, ref position, header & 0x0f, inCollection: false, depth, out problem))
            {
                return false;
            }
        }
    }

    private static bool Value(ReadOnlySpan<byte> data, ref int position, int type, bool inCollection, int depth, out string problem)
    {
        problem = string.Empty;
        switch (type)
        {
            case 1 or 2:
                // A boolean field carries its value in the field header; a boolean element of a collection is one byte.
                return !inCollection || Skip(data, ref position, 1, out problem);
            case 3:
                return Skip(data, ref position, 1, out problem);
            case 4 or 5 or 6:
                return VarInt(data, ref position, out _, out problem);
            case 7:
                return Skip(data, ref position, 8, out problem);
            case 8:
                return VarInt(data, ref position, out var length, out problem) && Skip(data, ref position, length, out problem);
            case 9 or 10:
                {
                    if (!Skip(data, ref position, 1, out problem))
                    {
                        return false;
                    }

                    var sizeAndType = data[position - 1];
                    ulong size = (ulong)(sizeAndType >> 4);
                    if (size == 15 && !VarInt(data, ref position, out size, out problem))
                    {
                        return false;
                    }

                    return Elements(data, ref position, size, sizeAndType & 0x0f, -1, depth, out problem);
                }

            case 11:
                {
                    if (!VarInt(data, ref position, out var size, out problem))
                    {
                        return false;
                    }

                    if (size == 0)
                    {
                        return true;
                    }

                    if (!Skip(data, ref position, 1, out problem))
                    {
                        return false;
                    }

                    var types = data[position - 1];
                    return Elements(data, ref position, size, types >> 4, types & 0x0f, depth, out problem);
                }

            case 12:
                return Struct(data, ref position, depth + 1, out problem);
            case 13:
                return Skip(data, ref position, 16, out problem);
            default:
                problem = $"unknown field type {type}";
                return false;
        }
    }

    /// <summary>The elements of a list or set (<paramref name="valueType"/> &lt; 0) or the entries of a map.</summary>
    private static bool Elements(ReadOnlySpan<byte> data, ref int position, ulong count, int keyType, int valueType, int depth, out string problem)
    {
        var perElement = valueType < 0 ? 1UL : 2UL;
        if (count > (ulong)(data.Length - position) / perElement)
        {
            problem = $"a collection declares {count} elements in {data.Length - position} remaining bytes";
            return false;
        }

        for (ulong i = 0; i < count; i++)
        {
            if (!Value(data, ref position, keyType, inCollection: true, depth + 1, out problem)
                || (valueType >= 0 && !Value(data, ref position, valueType, inCollection: true, depth + 1, out problem)))
            {
                return false;
            }
        }

        problem = string.Empty;
        return true;
    }

    private static bool Skip(ReadOnlySpan<byte> data, ref int position, ulong bytes, out string problem)
    {
        if (bytes > (ulong)(data.Length - position))
        {
            problem = "a value runs past the end of the footer";
            return false;
        }

        position += (int)bytes;
        problem = string.Empty;
        return true;
    }

    private static bool VarInt(ReadOnlySpan<byte> data, ref int position, out ulong value, out string problem)
    {
        value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (position >= data.Length)
            {
                problem = "a number runs past the end of the footer";
                return false;
            }

            var b = data[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                problem = string.Empty;
                return true;
            }
        }

        problem = "a number longer than 10 bytes";
        return false;
    }
}
