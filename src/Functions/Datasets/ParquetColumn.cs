using System.Globalization;
using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace MLOps.Functions.Datasets;

/// <summary>The values of one Parquet column for the current row group, with typed and text access per row.</summary>
internal abstract class ParquetColumn(DataField field)
{
    public DataField Field { get; } = field;

    public static ParquetColumn? For(DataField field) => Type(field.ClrType) switch
    {
        TabularType.Text => new TextColumn(field),
        TabularType.Binary => new BinaryColumn(field),
        _ => CreateStruct(field),
    };

    /// <summary>How a Parquet CLR type is reported; <see cref="TabularType.Binary"/> also for types read as opaque values.</summary>
    public static TabularType Type(Type clr) => clr switch
    {
        _ when clr == typeof(bool) => TabularType.Boolean,
        _ when clr == typeof(sbyte) || clr == typeof(byte) || clr == typeof(short) || clr == typeof(ushort) || clr == typeof(int) => TabularType.Int32,
        _ when clr == typeof(uint) || clr == typeof(long) || clr == typeof(ulong) => TabularType.Int64,
        _ when clr == typeof(float) => TabularType.Float,
        _ when clr == typeof(double) => TabularType.Double,
        _ when clr == typeof(decimal) => TabularType.Decimal,
        _ when clr == typeof(DateTime) || clr == typeof(DateTimeOffset) => TabularType.DateTime,
        _ when clr == typeof(DateOnly) => TabularType.Date,
        _ when clr == typeof(TimeOnly) || clr == typeof(TimeSpan) => TabularType.Time,
        _ when clr == typeof(string) || clr == typeof(ReadOnlyMemory<char>) => TabularType.Text,
        _ => TabularType.Binary,
    };

    public abstract ValueTask LoadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken);

    public abstract bool IsNull(int row);

    public abstract string? GetString(int row);

    public virtual ReadOnlySpan<char> GetChars(int row) => GetString(row);

    public virtual bool TryGetDouble(int row, out double value)
    {
        value = 0;
        return false;
    }

    public virtual bool TryGetInt64(int row, out long value)
    {
        value = 0;
        return false;
    }

    public virtual bool TryGetBoolean(int row, out bool value)
    {
        value = false;
        return false;
    }

    public virtual bool TryGetDateTimeOffset(int row, out DateTimeOffset value)
    {
        value = default;
        return false;
    }

    private static ParquetColumn? CreateStruct(DataField field)
    {
        var t = field.ClrType;
        return t switch
        {
            _ when t == typeof(bool) => new StructColumn<bool>(field),
            _ when t == typeof(sbyte) => new StructColumn<sbyte>(field),
            _ when t == typeof(byte) => new StructColumn<byte>(field),
            _ when t == typeof(short) => new StructColumn<short>(field),
            _ when t == typeof(ushort) => new StructColumn<ushort>(field),
            _ when t == typeof(int) => new StructColumn<int>(field),
            _ when t == typeof(uint) => new StructColumn<uint>(field),
            _ when t == typeof(long) => new StructColumn<long>(field),
            _ when t == typeof(ulong) => new StructColumn<ulong>(field),
            _ when t == typeof(float) => new StructColumn<float>(field),
            _ when t == typeof(double) => new StructColumn<double>(field),
            _ when t == typeof(decimal) => new StructColumn<decimal>(field),
            _ when t == typeof(DateTime) => new StructColumn<DateTime>(field),
            _ when t == typeof(DateTimeOffset) => new StructColumn<DateTimeOffset>(field),
            _ when t == typeof(DateOnly) => new StructColumn<DateOnly>(field),
            _ when t == typeof(TimeOnly) => new StructColumn<TimeOnly>(field),
            _ when t == typeof(TimeSpan) => new StructColumn<TimeSpan>(field),
            _ when t == typeof(Guid) => new StructColumn<Guid>(field),
            _ => null,
        };
    }

    private sealed class StructColumn<T>(DataField field) : ParquetColumn(field)
        where T : struct
    {
        private readonly bool _nullable = field.IsNullable;
        private T?[] _values = [];
        private T[] _required = [];

        /// <summary>The cell's value; false for a null. Nullable columns live in <c>_values</c>, required ones in <c>_required</c>.</summary>
        private bool TryValue(int row, out T value)
        {
            if (_nullable)
            {
                var cell = _values[row];
                value = cell.GetValueOrDefault();
                return cell.HasValue;
            }

            value = _required[row];
            return true;
        }

        public override async ValueTask LoadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken)
        {
            if (_nullable)
            {
                if (_values.Length < rows)
                {
                    _values = new T?[rows];
                }

                await group.ReadAsync<T>(Field, _values.AsMemory(0, rows), null, cancellationToken).ConfigureAwait(false);
                return;
            }

            // A required column is read as plain values: Parquet.Net's path into T?[] goes through definition levels
            // that a column without nulls does not have, and it was seen to yield nulls there (see docs/notes.md).
            if (_required.Length < rows)
            {
                _required = new T[rows];
            }

            await group.ReadAsync<T>(Field, _required.AsMemory(0, rows), null, cancellationToken).ConfigureAwait(false);
        }

        public override bool IsNull(int row) => !TryValue(row, out _);

        public override string? GetString(int row)
        {
            if (!TryValue(row, out var v))
            {
                return null;
            }

            if (typeof(T) == typeof(bool))
            {
                return As<bool>(v) ? "true" : "false";
            }

            if (typeof(T) == typeof(double))
            {
                return As<double>(v).ToString("R", CultureInfo.InvariantCulture);
            }

            if (typeof(T) == typeof(float))
            {
                return As<float>(v).ToString("R", CultureInfo.InvariantCulture);
            }

            if (typeof(T) == typeof(DateTime))
            {
                return As<DateTime>(v).ToString("O", CultureInfo.InvariantCulture);
            }

            if (typeof(T) == typeof(DateTimeOffset))
            {
                return As<DateTimeOffset>(v).ToString("O", CultureInfo.InvariantCulture);
            }

            if (typeof(T) == typeof(DateOnly))
            {
                return As<DateOnly>(v).ToString("O", CultureInfo.InvariantCulture);
            }

            if (typeof(T) == typeof(TimeOnly))
            {
                return As<TimeOnly>(v).ToString("O", CultureInfo.InvariantCulture);
            }

            return v is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : v.ToString();
        }

        // typeof(T) checks are constants once the JIT specialises the class for a value type, so each column's
        // accessors compile to a direct conversion without boxing.
        public override bool TryGetDouble(int row, out double value)
        {
            value = 0;
            if (!TryValue(row, out var v))
            {
                return false;
            }

            if (typeof(T) == typeof(double)) { value = As<double>(v); }
            else if (typeof(T) == typeof(float)) { value = As<float>(v); }
            else if (typeof(T) == typeof(decimal)) { value = (double)As<decimal>(v); }
            else if (typeof(T) == typeof(ulong)) { value = As<ulong>(v); } // all of it, also above long.MaxValue
            else if (TryWhole(v, out var whole)) { value = whole; }
            else { return false; }

            return true;
        }

        public override bool TryGetInt64(int row, out long value)
        {
            value = 0;
            return TryValue(row, out var v) && TryWhole(v, out value);
        }

        public override bool TryGetBoolean(int row, out bool value)
        {
            value = false;
            if (typeof(T) != typeof(bool) || !TryValue(row, out var v))
            {
                return false;
            }

            value = As<bool>(v);
            return true;
        }

        public override bool TryGetDateTimeOffset(int row, out DateTimeOffset value)
        {
            value = default;
            if (!TryValue(row, out var v))
            {
                return false;
            }

            if (typeof(T) == typeof(DateTimeOffset))
            {
                value = As<DateTimeOffset>(v);
            }
            else if (typeof(T) == typeof(DateTime))
            {
                var dt = As<DateTime>(v);
                value = new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime());
            }
            else if (typeof(T) == typeof(DateOnly))
            {
                value = new DateTimeOffset(As<DateOnly>(v).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            }
            else
            {
                return false;
            }

            return true;
        }

        /// <summary>An integer value as a long; false for other types and for a ulong above <see cref="long.MaxValue"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool TryWhole(T v, out long value)
        {
            value = 0;
            if (typeof(T) == typeof(int)) { value = As<int>(v); }
            else if (typeof(T) == typeof(long)) { value = As<long>(v); }
            else if (typeof(T) == typeof(short)) { value = As<short>(v); }
            else if (typeof(T) == typeof(sbyte)) { value = As<sbyte>(v); }
            else if (typeof(T) == typeof(byte)) { value = As<byte>(v); }
            else if (typeof(T) == typeof(ushort)) { value = As<ushort>(v); }
            else if (typeof(T) == typeof(uint)) { value = As<uint>(v); }
            else if (typeof(T) == typeof(ulong) && As<ulong>(v) <= long.MaxValue) { value = (long)As<ulong>(v); }
            else { return false; }

            return true;
        }

        private static TTo As<TTo>(T value) => Unsafe.As<T, TTo>(ref value);
    }

    private sealed class TextColumn(DataField field) : ParquetColumn(field)
    {
        private string?[] _values = [];

        public override async ValueTask LoadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken)
        {
            if (_values.Length < rows)
            {
                _values = new string?[rows];
            }

            await group.ReadAsync(Field, _values.AsMemory(0, rows), null, cancellationToken).ConfigureAwait(false);
        }

        public override bool IsNull(int row) => _values[row] is null;

        public override string? GetString(int row) => _values[row];

        public override bool TryGetDouble(int row, out double value) =>
            double.TryParse(_values[row], NumberStyles.Float, CultureInfo.InvariantCulture, out value);

        public override bool TryGetInt64(int row, out long value) =>
            long.TryParse(_values[row], NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

        public override bool TryGetBoolean(int row, out bool value) => bool.TryParse(_values[row], out value);

        public override bool TryGetDateTimeOffset(int row, out DateTimeOffset value) =>
            DateTimeOffset.TryParse(_values[row], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    private sealed class BinaryColumn(DataField field) : ParquetColumn(field)
    {
        private byte[]?[] _values = [];

        public override async ValueTask LoadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken)
        {
            if (_values.Length < rows)
            {
                _values = new byte[]?[rows];
            }

            await group.ReadAsync(Field, _values.AsMemory(0, rows), null, cancellationToken).ConfigureAwait(false);
        }

        public override bool IsNull(int row) => _values[row] is null;

        /// <summary>Binary cells as base64: text that round-trips and never carries control characters into a report.</summary>
        public override string? GetString(int row) => _values[row] is { } bytes ? Convert.ToBase64String(bytes) : null;
    }
}
