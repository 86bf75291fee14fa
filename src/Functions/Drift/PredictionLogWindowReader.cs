using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MLOps.Domain.Drift;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;
using MLOps.Functions.PredictionLog;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Drift;

/// <summary>Streams a model version's prediction log over a time or count window into a <see cref="WindowProfileBuilder"/>.</summary>
/// <remarks>
/// <para>
/// The log is laid out by hour (<c>predictions/{model}/v{version}/{yyyy/MM/dd/HH}/*.jsonl[.gz]</c>), so a window is a set
/// of hour prefixes: one listing per day, then the hours newest first, each blob line by line with a fixed buffer;
/// nothing proportional to the window is held except what the builder keeps (bounded). Lines that do not parse are
/// counted and skipped.
/// </para>
/// <para>
/// A count window takes exactly the newest N rows by their timestamps. Several instances append to one hour in
/// separate blobs, so within an hour neither blob order nor line order is time order; each hour is therefore read in
/// two passes: the first validates every line and notes its time, the second adds only the rows newer than the
/// hour's cut-off (ties at the cut-off in blob order). An hour of at most <see cref="HourBufferBytes"/> is downloaded
/// once and both passes run over memory; a larger one is downloaded twice (the second time up to the length the first
/// pass saw, so rows appended in between are not counted). Parsing work is the same as one pass, since the second
/// pass does not validate again. A time window needs no cut-off and is read in one pass; its <see cref="DriftWindow.MaxRows"/>
/// cap, a cost guard, stops at hour granularity (within the oldest hour read, rows are taken in blob order).
/// </para>
/// </remarks>
public sealed class PredictionLogWindowReader(StorageClients clients, StorageNames names)
{
    /// <summary>Hours of log up to this size are held in memory for the two passes of a count window.</summary>
    public const long DefaultHourBufferBytes = 32L * 1024 * 1024;

    /// <summary>The size up to which one hour of a count window is read into memory once rather than downloaded twice.</summary>
    internal long HourBufferBytes { get; set; } = DefaultHourBufferBytes;

    /// <summary>Reads the window into <paramref name="builder"/>.</summary>
    /// <param name="task">How the logged outputs read as a score (see <see cref="PredictionLogLineParser"/>).</param>
    /// <param name="positiveClass">Binary classification: the class whose probability is the score; null applies <see cref="PositiveClass"/>'s rule to each line's classes.</param>
    public async Task<DriftWindowSummary> ReadAsync(
        string model,
        int version,
        DriftWindow window,
        DateTimeOffset now,
        ModelTask task,
        string? positiveClass,
        WindowProfileBuilder builder,
        CancellationToken cancellationToken)
    {
        var container = clients.Blobs.GetBlobContainerClient(names.PredictionsContainer);
        var count = window.Kind == DriftWindowKind.Count;
        var from = count ? now - window.MaxLookback : now - window.Duration;
        var limit = count ? Math.Min(window.Rows, window.MaxRows) : window.MaxRows;
        var parser = new PredictionLogLineParser(builder, task, positiveClass, count ? DateTimeOffset.MinValue : from, now);
        using var buffer = new LineBuffer();
        int blobs = 0;
        long bytes = 0;
        var fromHour = Hour(from);
        for (var day = now.UtcDateTime.Date; day >= fromHour.UtcDateTime.Date && builder.Rows < limit; day = day.AddDays(-1))
        {
            var dayPrefix = string.Create(CultureInfo.InvariantCulture, $"{model}/v{version}/{day:yyyy/MM/dd}/");
            var paths = new List<LogBlob>();
            await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, dayPrefix, cancellationToken).ConfigureAwait(false))
            {
                if (HourOf(item.Name, dayPrefix.Length, day) is { } hour && hour >= fromHour && hour <= now)
                {
                    paths.Add(new LogBlob(hour, item.Name, item.Properties.ContentLength ?? 0));
                }
            }

            foreach (var hour in paths.GroupBy(p => p.Hour).OrderByDescending(g => g.Key))
            {
                if (builder.Rows >= limit)
                {
                    break;
                }

                var hourBlobs = hour.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
                if (count)
                {
                    var (read, readBytes) = await ReadNewestAsync(container, hourBlobs, parser, limit - builder.Rows, buffer, cancellationToken).ConfigureAwait(false);
                    blobs += read;
                    bytes += readBytes;
                    continue;
                }

                foreach (var blob in hourBlobs)
                {
                    if (builder.Rows >= limit)
                    {
                        break;
                    }

                    blobs++;
                    bytes += await ReadBlobAsync(container.GetBlobClient(blob.Name), parser, limit, buffer, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return new DriftWindowSummary(window.Kind, parser.Oldest ?? from, parser.Newest ?? now, builder.Rows, blobs, bytes, parser.SkippedLines);
    }

    /// <summary>Reads one log blob line by line into the parser; returns the bytes read.</summary>
    internal static async Task<long> ReadBlobAsync(BlobClient blob, PredictionLogLineParser parser, long limit, LineBuffer buffer, CancellationToken cancellationToken)
    {
        var response = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var stream = PredictionLogFormat.OpenLines(blob.Name, response.Value.Content);
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

    /// <summary>Adds the newest <paramref name="wanted"/> rows of one hour (all of them when it holds fewer); returns the blobs and bytes read.</summary>
    private async Task<(int Blobs, long Bytes)> ReadNewestAsync(
        BlobContainerClient container, IReadOnlyList<LogBlob> hour, PredictionLogLineParser parser, long wanted, LineBuffer buffer, CancellationToken cancellationToken)
    {
        var inMemory = hour.Sum(b => b.Size) <= HourBufferBytes;
        var contents = new BinaryData?[hour.Count];
        var lengths = new long[hour.Count];
        var stored = new long[hour.Count];

        // Pass 1: every line's time (or Invalid), in blob and line order.
        var times = new List<long>();
        for (var b = 0; b < hour.Count; b++)
        {
            var client = container.GetBlobClient(hour[b].Name);
            Stream stream;
            if (inMemory)
            {
                contents[b] = (await client.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
                stream = contents[b]!.ToStream();
            }
            else
            {
                var download = (await client.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
                stored[b] = download.Details.ContentLength;
                stream = download.Content;
            }

            // Pass 2 downloads the stored bytes seen here again: appends are whole lines (whole gzip members when
            // compressed), so that prefix holds exactly the lines of this pass.
            stream = PredictionLogFormat.OpenLines(hour[b].Name, stream);
            await using (stream.ConfigureAwait(false))
            {
                lengths[b] = await LineBuffer.ReadLinesAsync(stream, buffer, line =>
                {
                    times.Add(parser.TryGetTime(line, out var at) ? at.UtcTicks : Invalid);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
            }
        }

        var valid = times.Where(t => t != Invalid).ToArray();
        if (valid.Length == 0)
        {
            return (hour.Count, lengths.Sum());
        }

        // The cut-off: rows newer than it are taken, and as many rows at it as fill the count.
        var cutoff = long.MinValue;
        long atCutoff = long.MaxValue;
        if (valid.Length > wanted)
        {
            Array.Sort(valid);
            cutoff = valid[valid.Length - (int)wanted];
            atCutoff = wanted - (valid.Length - UpperBound(valid, cutoff));
        }

        // Pass 2: the chosen rows, by line position; the same bytes as pass 1.
        var index = 0;
        for (var b = 0; b < hour.Count; b++)
        {
            var stream = PredictionLogFormat.OpenLines(hour[b].Name, inMemory
                ? contents[b]!.ToStream()
                : (await container.GetBlobClient(hour[b].Name).DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(0, stored[b]) }, cancellationToken).ConfigureAwait(false)).Value.Content);
            await using (stream.ConfigureAwait(false))
            {
                await LineBuffer.ReadLinesAsync(stream, buffer, line =>
                {
                    if (index >= times.Count)
                    {
                        return false;
                    }

                    var t = times[index++];
                    if (t != Invalid && (t > cutoff || (t == cutoff && atCutoff-- > 0)))
                    {
                        parser.AddRow(line, new DateTimeOffset(t, TimeSpan.Zero));
                    }

                    return true;
                }, cancellationToken).ConfigureAwait(false);
            }
        }

        return (hour.Count, lengths.Sum());
    }

    private const long Invalid = long.MinValue;

    /// <summary>The index of the first element above <paramref name="value"/> in an ascending array.</summary>
    private static int UpperBound(long[] sorted, long value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static DateTimeOffset Hour(DateTimeOffset at) =>
        new(at.UtcDateTime.Year, at.UtcDateTime.Month, at.UtcDateTime.Day, at.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset? HourOf(string name, int offset, DateTime day) =>
        name.Length > offset + 2 && name[offset + 2] == '/'
            && int.TryParse(name.AsSpan(offset, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hour) && hour < 24
            ? new DateTimeOffset(day.AddHours(hour), TimeSpan.Zero)
            : null;

    private sealed record LogBlob(DateTimeOffset Hour, string Name, long Size);
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
/// <remarks>
/// The score of a logged prediction is read as the reference profile scored the holdout (see
/// <see cref="PredictionProfile"/>): for a binary classifier the probability of the positive class, found by its name
/// among the logged probabilities (never by position, since a model may list its classes in any order); for a
/// multiclass classifier the top probability; for a regressor the value.
/// </remarks>
internal sealed class PredictionLogLineParser
{
    private readonly byte[][] _names;
    private readonly ProfileKind[] _kinds;
    private readonly bool[] _seen;
    private readonly ModelTask _task;
    private readonly byte[]? _positiveClass;
    private readonly DateTimeOffset _from;
    private readonly DateTimeOffset _to;
    private char[] _chars = new char[256];

    /// <param name="positiveClass">Binary classification: the class whose probability is the score; null applies <see cref="PositiveClass"/>'s rule to each line's class names.</param>
    public PredictionLogLineParser(WindowProfileBuilder builder, ModelTask task, string? positiveClass, DateTimeOffset from, DateTimeOffset to)
    {
        Builder = builder;
        _task = task;
        _positiveClass = positiveClass is null ? null : Encoding.UTF8.GetBytes(positiveClass);
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

    /// <summary>Parses one line; a line that is not a log row, or outside the window, adds nothing.</summary>
    public void Parse(ReadOnlySpan<byte> line)
    {
        // Shape and time are checked first without touching the builder, so a broken line never adds half a row.
        if (TryGetTime(line, out var at))
        {
            AddRow(line, at);
        }
    }

    /// <summary>Whether the line is a well-formed log row inside the window, and its time; a malformed line is counted as skipped.</summary>
    public bool TryGetTime(ReadOnlySpan<byte> line, out DateTimeOffset at)
    {
        if (!TryReadTimestamp(line, out at))
        {
            SkippedLines++;
            return false;
        }

        return at >= _from && at <= _to;
    }

    /// <summary>Adds a row that <see cref="TryGetTime"/> accepted, at the time it gave.</summary>
    public void AddRow(ReadOnlySpan<byte> line, DateTimeOffset at)
    {
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
        double? value = null, last = null, max = null, named = null, conventional = null;
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
                    var isNamed = _positiveClass is not null && reader.ValueTextEquals(_positiveClass);
                    var isConventional = _positiveClass is null && conventional is null
                        && (reader.ValueTextEquals("1"u8) || reader.ValueTextEquals("true"u8) || reader.ValueTextEquals("True"u8));
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number)
                    {
                        var p = reader.GetDouble();
                        last = p;
                        max = max is { } m && m >= p ? m : p;
                        named = isNamed ? p : named;
                        conventional = isConventional ? p : conventional;
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

        // The score the reference profiled: the positive class's probability (by name when the class is known, else by
        // PositiveClass's rule over this line's classes: "1", "true" or "True", else the last), the top-class
        // probability, or the predicted value. A known positive class missing from the line leaves the score missing.
        var positive = _positiveClass is not null ? named : conventional ?? last;
        var score = _task switch
        {
            ModelTask.BinaryClassification => positive,
            ModelTask.MulticlassClassification => max,
            ModelTask.Regression => value,
            _ => value ?? positive,
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
