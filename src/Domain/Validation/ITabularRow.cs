namespace MLOps.Domain.Validation;

/// <summary>The current row of a table being read, as the validator sees it; a file reader implements it.</summary>
public interface ITabularRow
{
    /// <summary>The 1-based data row number.</summary>
    long RowNumber { get; }

    /// <summary>Fields in this row; can differ from the header's count in a CSV.</summary>
    int FieldCount { get; }

    bool IsNull(int column);

    /// <summary>The cell as text, valid until the next call; empty when null.</summary>
    ReadOnlySpan<char> GetChars(int column);

    /// <summary>The cell as UTF-8 text, valid until the next call on the row; false (and empty) when null.</summary>
    /// <remarks>
    /// What category sets and key hashes read: a CSV reader hands out the bytes it already holds, so the hot loop never
    /// transcodes to UTF-16, and one call answers both "null?" and "which text?". Two cells hold the same text exactly
    /// when their UTF-8 bytes are equal.
    /// </remarks>
    bool TryGetUtf8(int column, out ReadOnlySpan<byte> text);

    bool TryGetDouble(int column, out double value);

    bool TryGetInt64(int column, out long value);

    bool TryGetBoolean(int column, out bool value);

    bool TryGetDateTimeOffset(int column, out DateTimeOffset value);
}

/// <summary>A column of the file being validated: its name and what the file declares about its type.</summary>
public sealed record DatasetColumn(string Name, DeclaredKind Declared);

/// <summary>What a file format declares about a column's values. CSV declares nothing (<see cref="Untyped"/>).</summary>
public enum DeclaredKind
{
    Untyped,
    Boolean,
    Integer,
    Real,
    Text,
    Temporal,
    Binary,
}
