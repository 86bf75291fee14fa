using System.Buffers;
using Microsoft.Extensions.Options;
using MLOps.Functions.Configuration;
using MLOps.Functions.Scoring;
using MLOps.Functions.Telemetry;
using System.Text.Json;

namespace MLOps.Functions.PredictionLog;

/// <summary>The bounded buffer between scoring and the prediction log writer: JSON lines per model version and hour.</summary>
/// <remarks>
/// <para>
/// A scored row is written as its JSON line straight into the buffer of its log segment, under a short lock, and the
/// request goes on; storage is only ever touched by <see cref="PredictionLogWriter"/> in the background. Keeping bytes
/// rather than the request's objects matters at thousands of predictions a second: queued object graphs outlive a few
/// garbage collections and got promoted, and the collector's work then cost more than writing the lines.
/// </para>
/// <para>
/// Adding never waits. When the buffer holds <see cref="PredictionLogOptions.Capacity"/> rows or
/// <see cref="PredictionLogOptions.MaxBufferedBytes"/> bytes, a request's rows are shed and counted, because a slow
/// storage account must not slow predictions down.
/// </para>
/// </remarks>
public sealed class PredictionLogQueue
{
    /// <summary>Lines that make a batch full whatever the row count: one append block (the most Azurite and older service versions take).</summary>
    internal const int FullBatchBytes = BlobPredictionLogSink.MaxAppendBytes;

    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText InputsName = JsonEncodedText.Encode("inputs");

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly Lock _gate = new();
    private readonly MLOpsMetrics _metrics;
    private readonly PredictionLogOptions _options;
    private readonly Stack<ArrayBufferWriter<byte>> _spare = new();
    private Dictionary<PredictionLogSegment, Pending> _pending = [];
    private int _rows;
    private long _bytes;
    private bool _completed;
    private TaskCompletionSource _firstRow = NewSignal();
    private TaskCompletionSource _batchFull = NewSignal();

    public PredictionLogQueue(IOptions<PredictionLogOptions> options, MLOpsMetrics metrics)
    {
        _options = options.Value;
        _metrics = metrics;
    }

    /// <summary>Rows waiting to be written.</summary>
    public int BufferedRows
    {
        get
        {
            lock (_gate)
            {
                return _rows;
            }
        }
    }

    /// <summary>
    /// Gives every row of a scored batch a prediction id and buffers its log line; the ids are returned even when the
    /// rows were shed (buffer full, logging off, or shutting down).
    /// </summary>
    public string[] Record(string model, int version, DateTimeOffset at, IPredictionInputs inputs, ScoreResult result)
    {
        var ids = NewIds(at, result.Rows);
        Append(model, version, at, ids, inputs, result);
        return ids;
    }

    /// <summary>A prediction id for each of <paramref name="rows"/> rows scored at <paramref name="at"/>.</summary>
    public static string[] NewIds(DateTimeOffset at, int rows)
    {
        var ids = new string[rows];
        for (var row = 0; row < ids.Length; row++)
        {
            ids[row] = PredictionId.New(at);
        }

        return ids;
    }

    /// <summary>Buffers the log lines of scored rows under the ids their answer gave them, or sheds and counts them.</summary>
    public void Append(string model, int version, DateTimeOffset at, string[] ids, IPredictionInputs inputs, ScoreResult result)
    {
        if (ids.Length == 0)
        {
            return;
        }

        if (!_options.Enabled)
        {
            _metrics.PredictionLogDroppedRows(ids.Length);
            return;
        }

        var lines = Serialize(model, version, at, ids, inputs, result);
        var segment = new PredictionLogSegment(model, version, Hour(at));
        lock (_gate)
        {
            if (_completed || _rows + ids.Length > _options.Capacity || _bytes + lines.Length > _options.MaxBufferedBytes)
            {
                _metrics.PredictionLogDroppedRows(ids.Length);
                return;
            }

            if (!_pending.TryGetValue(segment, out var pending))
            {
                pending = new Pending(_spare.TryPop(out var spare) ? spare : new ArrayBufferWriter<byte>(64 * 1024));
                _pending[segment] = pending;
            }

            pending.Lines.Write(lines);
            pending.Rows += ids.Length;
            if (_rows == 0)
            {
                _firstRow.TrySetResult();
            }

            _rows += ids.Length;
            _bytes += lines.Length;
            if (_rows >= _options.BatchSize || _bytes >= FullBatchBytes)
            {
                _batchFull.TrySetResult();
            }
        }
    }

    /// <summary>Completes when a row is buffered, or the queue was completed.</summary>
    internal Task FirstRow
    {
        get
        {
            lock (_gate)
            {
                return _firstRow.Task;
            }
        }
    }

    /// <summary>Completes when a batch's worth of rows is buffered, or the queue was completed.</summary>
    internal Task BatchFull
    {
        get
        {
            lock (_gate)
            {
                return _batchFull.Task;
            }
        }
    }

    internal bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    /// <summary>Takes everything buffered, segment by segment; hand the buffers back with <see cref="Recycle"/>.</summary>
    internal Dictionary<PredictionLogSegment, Pending> TakeAll()
    {
        lock (_gate)
        {
            var taken = _pending;
            _pending = [];
            _rows = 0;
            _bytes = 0;
            if (!_completed)
            {
                if (_firstRow.Task.IsCompleted)
                {
                    _firstRow = NewSignal();
                }

                if (_batchFull.Task.IsCompleted)
                {
                    _batchFull = NewSignal();
                }
            }

            return taken;
        }
    }

    /// <summary>Keeps written buffers for reuse, so steady traffic allocates no new ones.</summary>
    internal void Recycle(Dictionary<PredictionLogSegment, Pending> written)
    {
        lock (_gate)
        {
            foreach (var pending in written.Values)
            {
                if (_spare.Count < 8 && pending.Lines.Capacity <= 8 * 1024 * 1024)
                {
                    pending.Lines.ResetWrittenCount();
                    _spare.Push(pending.Lines);
                }
            }
        }
    }

    /// <summary>No more rows will be taken; the writer drains what is buffered and stops.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            _firstRow.TrySetResult();
            _batchFull.TrySetResult();
        }
    }

    /// <summary>Serialises one JSON line per row into a per-thread scratch buffer (valid until this thread's next call).</summary>
    internal static ReadOnlySpan<byte> Serialize(string model, int version, DateTimeOffset at, string[] ids, IPredictionInputs inputs, ScoreResult result)
    {
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(4096);
        scratch.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(scratch, new JsonWriterOptions { SkipValidation = true });
        for (var row = 0; row < ids.Length; row++)
        {
            writer.Reset(scratch);
            writer.WriteStartObject();
            writer.WriteString(PredictionJson.PredictionIdProperty, ids[row]);
            writer.WriteString(TimestampName, at);
            writer.WriteString(PredictionJson.ModelProperty, model);
            writer.WriteNumber(PredictionJson.VersionProperty, version);
            writer.WritePropertyName(InputsName);
            inputs.WriteRow(writer, row);
            writer.WriteStartObject(PredictionJson.OutputsProperty);
            PredictionJson.WriteOutputs(writer, result, row);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.Flush();
            scratch.Write("\n"u8);
        }

        // A rare huge batch should not pin its buffer to the thread for good.
        var written = scratch.WrittenSpan;
        if (scratch.Capacity > 4 * 1024 * 1024)
        {
            var copy = written.ToArray();
            t_scratch = null;
            t_writer = null;
            return copy;
        }

        return written;
    }

    private static DateTimeOffset Hour(DateTimeOffset at) =>
        new(at.UtcDateTime.Year, at.UtcDateTime.Month, at.UtcDateTime.Day, at.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One segment's buffered lines.</summary>
    internal sealed class Pending(ArrayBufferWriter<byte> lines)
    {
        public ArrayBufferWriter<byte> Lines { get; } = lines;

        public int Rows { get; set; }
    }
}
