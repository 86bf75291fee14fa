using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using MLOps.Domain.Drift;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Drift;

/// <summary>Streams a model version's prediction log over a time or count window into a <see cref="WindowProfileBuilder"/>.</summary>
/// <remarks>
/// The log is laid out by hour (<c>predictions/{model}/v{version}/{yyyy/MM/dd/HH}/*.jsonl</c>), so a window is a set
/// of hour prefixes: one listing per day, then each blob is read once, line by line, with a fixed buffer; nothing
/// proportional to the window is held except what the builder keeps (bounded). Hours are read newest first, so a
/// count window and the <see cref="DriftWindow.MaxRows"/> cap keep the most recent rows (at hour granularity: within
/// the oldest hour read, rows are taken in blob order). Lines that do not parse are counted and skipped.
/// </remarks>
public sealed class PredictionLogWindowReader(StorageClients clients, StorageNames names)
{
    public async Task<DriftWindowSummary> ReadAsync(
        string model, int version, DriftWindow window, DateTimeOffset now, ModelTask task, WindowProfileBuilder builder, CancellationToken cancellationToken)
    {
        var container = clients.Blobs.GetBlobContainerClient(names.PredictionsContainer);
        var from = window.Kind == DriftWindowKind.Time ? now - window.Duration : now - window.MaxLookback;
        var limit = window.Kind == DriftWindowKind.Count ? Math.Min(window.Rows, window.MaxRows) : window.MaxRows;
        var parser = new PredictionLogLineParser(builder, task, window.Kind == DriftWindowKind.Time ? from : DateTimeOffset.MinValue, now);
        using var buffer = new LineBuffer();
        int blobs = 0;
        long bytes = 0;
        {
            var fromHour = Hour(from);
            for (var day = now.UtcDateTime.Date; day >= fromHour.UtcDateTime.Date && builder.Rows < limit; day = day.AddDays(-1))
            {
                var dayPrefix = string.Create(CultureInfo.InvariantCulture, $"{model}/v{version}/{day:yyyy/MM/dd}/");
                var paths = new List<(DateTimeOffset Hour, string Name)>();
                await foreach (var item in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, dayPrefix, cancellationToken).ConfigureAwait(false))
                {
                    if (HourOf(item.Name, dayPrefix.Length, day) is { } hour && hour >= fromHour && hour <= now)
                    {
                        paths.Add((hour, item.Name));
                    }
                }

                foreach (var (_, name) in paths.OrderByDescending(p => p.Hour).ThenBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (builder.Rows >= limit)
                    {
                        break;
                    }

                    blobs++;
                    bytes += await ReadBlobAsync(container.GetBlobClient(name), parser, limit, buffer, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return new DriftWindowSummary(window.Kind, parser.Oldest ?? from, parser.Newest ?? now, builder.Rows, blobs, bytes, parser.SkippedLines);
    }

    /// <summary>Reads one log blob line by line into the parser; returns the bytes read.</summary>
    internal static async Task<long> ReadBlobAsync(BlobClient blob, PredictionLogLineParser parser, long limit, LineBuffer buffer, CancellationToken cancellationToken)
    {
        var response = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var stream = response.Value.Content;
        return await LineBuffer.ReadLinesAsync(stream, buffer, line =>
        {
            if (parser.Builder.Rows >= limit)
            {
                return false;
            }

            parser.Parse(line);
            return parser.Builder.Rows < limit;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset Hour(DateTimeOffset at) =>
        new(at.UtcDateTime.Year, at.UtcDateTime.Month, at.UtcDateTime.Day, at.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset? HourOf(string name, int offset, DateTime day) =>
        name.Length > offset + 2 && name[offset + 2] == '/'
            && int.TryParse(name.AsSpan(offset, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hour) && hour < 24
            ? new DateTimeOffset(day.AddHours(hour), TimeSpan.Zero)
            : null;
}

/// <summary>Handles one line; returns false to stop reading.</summary>
internal delegate bool LineHandler(ReadOnlySpan<byte> line);

/// <summary>A pooled buffer that splits a stream into lines, reused across the blobs of one read.</summary>
internal sealed class LineBuffer : IDisposable
{
    private const int InitialBytes = 1024 * 1024;
    private const int MaxLineBytes = 16 * 1024 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBytes);

    /// <summary>Hands each line of the stream (without its newline) to the handler until the end or until it returns false; returns the bytes read.</summary>
    /// <remarks>A line longer than 16 MiB is not one the log writer produces; it is passed on as an empty line and skipped.</remarks>
    public static async Task<long> ReadLinesAsync(Stream stream, LineBuffer lines, LineHandler handler, CancellationToken cancellationToken)
    {
        int start = 0, end = 0;
        long total = 0;
        var skipping = false;
        while (true)
        {
            var buffer = lines._buffer;
            if (end == buffer.Length)
            {
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                else if (buffer.Length >= MaxLineBytes)
                {
                    skipping = true;
                    end = 0;
                }
                else
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, larger, 0, end);
                    ArrayPool<byte>.Shared.Return(buffer);
                    lines._buffer = buffer = larger;
                }
            }

            var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (end > start && !skipping)
                {
                    handler(buffer.AsSpan(start, end - start));
                }

                return total;
            }

            total += read;
            end += read;
            while (true)
            {
                var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
                if (newline < 0)
                {
                    break;
                }

                var line = buffer.AsSpan(start, newline);
                start += newline + 1;
                if (skipping)
                {
                    skipping = false;
                    line = [];
                }

                if (!line.IsEmpty && !handler(line))
                {
                    return total;
                }
            }
        }
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
}

/// <summary>Parses prediction log lines (as <c>PredictionLogWriter</c> writes them) into a window builder, without allocating per row.</summary>
internal sealed class PredictionLogLineParser
{
    private readonly byte[][] _names;
    private readonly ProfileKind[] _kinds;
    private readonly bool[] _seen;
    private readonly ModelTask _task;
    private readonly DateTimeOffset _from;
    private readonly DateTimeOffset _to;
    private char[] _chars = new char[256];

    public PredictionLogLineParser(WindowProfileBuilder builder, ModelTask task, DateTimeOffset from, DateTimeOffset to)
    {
        Builder = builder;
        _task = task;
        _from = from;
        _to = to;
        _names = builder.ReferenceFeatures.Select(f => Encoding.UTF8.GetBytes(f.Name)).ToArray();
        _kinds = builder.ReferenceFeatures.Select(f => f.Kind).ToArray();
        _seen = new bool[_names.Length];
    }

    public WindowProfileBuilder Builder { get; }

    public long SkippedLines { get; private set; }

    public DateTimeOffset? Oldest { get; private set; }

    public DateTimeOffset? Newest { get; private set; }

    public void SkipLine() => SkippedLines++;

    /// <summary>Parses one line; a line that is not a log row, or outside the window, adds nothing.</summary>
    public void Parse(ReadOnlySpan<byte> line)
    {
        // Pass 1 checks shape and time without touching the builder, so a broken line never adds half a row.
        if (!TryReadTimestamp(line, out var at) || at < _from || at > _to)
        {
            if (at == default)
            {
                SkippedLines++;
            }

            return;
        }

        try
        {
            var reader = new Utf8JsonReader(line);
            Array.Clear(_seen);
            var hasLabel = false;
            double? score = null;
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("inputs"u8))
                {
                    reader.Read();
                    ReadInputs(ref reader);
                }
                else if (reader.ValueTextEquals("outputs"u8))
                {
                    reader.Read();
                    (hasLabel, score) = ReadOutputs(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            for (var f = 0; f < _seen.Length; f++)
            {
                if (!_seen[f])
                {
                    Builder.AddMissing(f);
                }
            }

            if (Builder.WantsLabels && !hasLabel)
            {
                Builder.AddPredictedLabelMissing();
            }

            Builder.AddPredictionScore(score);
            Builder.EndRow();
            Oldest = Oldest is { } o && o <= at ? o : at;
            Newest = Newest is { } n && n >= at ? n : at;
        }
        catch (JsonException)
        {
            // Pass 1 validated the JSON, so this is unreachable in practice; counted rather than thrown if it happens.
            SkippedLines++;
        }
    }

    private static bool TryReadTimestamp(ReadOnlySpan<byte> line, out DateTimeOffset at)
    {
        at = default;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            DateTimeOffset? found = null;
            var sawInputs = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isTimestamp = reader.ValueTextEquals("timestamp"u8);
                sawInputs |= reader.ValueTextEquals("inputs"u8);
                reader.Read();
                if (isTimestamp && reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var t))
                {
                    found = t;
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || found is null || !sawInputs)
            {
                return false;
            }

            at = found.Value;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void ReadInputs(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        var next = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var f = Find(ref reader, next);
            reader.Read();
            if (f < 0 || _seen[f])
            {
                reader.Skip();
                continue;
            }

            _seen[f] = true;
            next = f + 1;
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    Builder.AddMissing(f);
                    break;
                case JsonTokenType.Number when _kinds[f] == ProfileKind.Numeric:
                    Builder.AddNumeric(f, reader.GetDouble());
                    break;
                case JsonTokenType.Number:
                    Builder.AddCategory(f, Chars(ref reader));
                    break;
                case JsonTokenType.True or JsonTokenType.False when _kinds[f] == ProfileKind.Numeric:
                    Builder.AddNumeric(f, reader.TokenType == JsonTokenType.True ? 1 : 0);
                    break;
                case JsonTokenType.True:
                    Builder.AddCategory(f, "true".AsSpan());
                    break;
                case JsonTokenType.False:
                    Builder.AddCategory(f, "false".AsSpan());
                    break;
                case JsonTokenType.String when _kinds[f] == ProfileKind.Numeric:
                    if (double.TryParse(Chars(ref reader), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                    {
                        Builder.AddNumeric(f, parsed);
                    }
                    else
                    {
                        Builder.AddMissing(f);
                    }

                    break;
                case JsonTokenType.String:
                    Builder.AddCategory(f, Chars(ref reader));
                    break;
                default:
                    reader.Skip();
                    Builder.AddMissing(f);
                    break;
            }
        }
    }

    private (bool HasLabel, double? Score) ReadOutputs(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return (false, null);
        }

        var hasLabel = false;
        double? value = null, last = null, max = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("label"u8))
            {
                reader.Read();
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.Number && Builder.WantsLabels)
                {
                    Builder.AddPredictedLabel(Chars(ref reader));
                    hasLabel = true;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("probabilities"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number)
                    {
                        var p = reader.GetDouble();
                        last = p;
                        max = max is { } m && m >= p ? m : p;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                value = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // The score the reference profiled: positive-class probability (the last class, "1" after "0"), top-class
        // probability, or the predicted value.
        var score = _task switch
        {
            ModelTask.BinaryClassification => last,
            ModelTask.MulticlassClassification => max,
            ModelTask.Regression => value,
            _ => value ?? last,
        };
        return (hasLabel, score);
    }

    private int Find(ref Utf8JsonReader reader, int expected)
    {
        // Records usually list features in schema order, so the next expected name is tried first.
        if (expected < _names.Length && reader.ValueTextEquals(_names[expected]))
        {
            return expected;
        }

        for (var i = 0; i < _names.Length; i++)
        {
            if (i != expected && reader.ValueTextEquals(_names[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private ReadOnlySpan<char> Chars(ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (_chars.Length < length)
        {
            _chars = new char[Math.Max(length, _chars.Length * 2)];
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            var written = reader.CopyString(_chars);
            return _chars.AsSpan(0, written);
        }

        var count = Encoding.UTF8.GetChars(reader.ValueSpan, _chars);
        return _chars.AsSpan(0, count);
    }
}
