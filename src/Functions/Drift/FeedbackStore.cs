using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using MLOps.Domain.Drift;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Configuration;
using MLOps.Functions.PredictionLog;
using MLOps.Functions.Registry;
using MLOps.Functions.Scoring;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Drift;

/// <summary>Ground-truth labels for logged predictions: checked against the prediction log, stored all or nothing.</summary>
/// <remarks>
/// A prediction id starts with its time, which names the log hour to search, so a label is joined to its prediction by
/// reading one hour of one or a few versions' logs. All labels of a request are written in one entity-group
/// transaction (one partition per model, at most 100 rows): a duplicate, even one written concurrently by another
/// request, fails the whole request and nothing is stored. Row keys invert the time, so the newest labels come first.
/// </remarks>
public sealed class FeedbackStore(StorageClients clients, StorageNames names, IModelRegistry registry, IOptions<DriftOptions> options, TimeProvider time)
{
    private const long MaxMilliseconds = 0xFFFFFFFFFFFF;

    // The logged class probabilities are kept with a label (for AUC) up to this many classes; a table property holds 64 KiB.
    private const int MaxStoredClasses = 256;

    private TableClient Table => clients.Tables.GetTableClient(names.FeedbackTable);

    /// <summary>Checks every record, then stores all of them in one transaction, or throws and stores none.</summary>
    public async Task<IReadOnlyList<FeedbackRecord>> RecordAsync(string model, IReadOnlyList<FeedbackItem> items, Principal by, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var settings = options.Value;
        if (items.Count == 0)
        {
            throw MLOpsException.Validation("Send at least one {predictionId, label} record.");
        }

        if (items.Count > settings.MaxFeedbackRecords)
        {
            throw MLOpsException.TooLarge($"{items.Count} feedback records in one request; at most {settings.MaxFeedbackRecords} are accepted.");
        }

        var errors = new List<ProblemError>();
        var times = new DateTimeOffset[items.Count];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (!PredictionId.TryGetTime(item.PredictionId, out times[i]) || item.PredictionId.AsSpan().ContainsAnyExcept("0123456789abcdef"))
            {
                errors.Add(new("predictionId", i, "Not a prediction id: 28 lower-case hex digits, as returned by predict."));
                continue;
            }

            if (seen.TryGetValue(item.PredictionId, out var first))
            {
                errors.Add(new("predictionId", i, $"Duplicate of record {first} in the same request."));
            }
            else
            {
                seen[item.PredictionId] = i;
            }

            if (times[i] > now + TimeSpan.FromMinutes(5))
            {
                errors.Add(new("predictionId", i, "The prediction id is from the future."));
            }
            else if (now - times[i] > settings.FeedbackMaxAge)
            {
                errors.Add(new("predictionId", i, $"The prediction is older than the late-label limit ({settings.FeedbackMaxAge.TotalDays:0.##} days); its label is no longer accepted."));
            }

            if (item.Label.Kind == FeedbackLabelKind.Invalid)
            {
                errors.Add(new("label", i, "The label must be a string, a finite number or a boolean."));
            }
        }

        if (errors.Count > 0)
        {
            throw Invalid(errors);
        }

        // Join every id to its logged prediction.
        var versions = (await registry.ListVersionsAsync(model, cancellationToken).ConfigureAwait(false)).ToDictionary(v => v.Version);
        var found = await FindPredictionsAsync(model, versions.Values, items.Select((item, i) => (item.PredictionId, times[i])).ToList(), cancellationToken).ConfigureAwait(false);
        var missing = items.Select((item, i) => (item, i)).Where(x => !found.ContainsKey(x.item.PredictionId)).ToList();
        if (missing.Count > 0)
        {
            var ex = new MLOpsException(
                ProblemKind.NotFound,
                "Not found.",
                $"{missing.Count} prediction id(s) are not in the prediction log of '{model}' (predictions reach the log within seconds; retry a very recent one).",
                missing.Select(m => new ProblemError("predictionId", m.i, "No logged prediction has this id.")).ToList());
            throw ex;
        }

        var records = new List<FeedbackRecord>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var logged = found[items[i].PredictionId];
            if (LabelProblem(items[i].Label, logged, versions[logged.Version]) is { } problem)
            {
                errors.Add(new("label", i, problem));
                continue;
            }

            records.Add(new FeedbackRecord(items[i].PredictionId, model, logged.Version, items[i].Label.Text, items[i].Label.Kind, logged.Label, logged.Value, times[i], now, by.Name, logged.Probabilities));
        }

        if (errors.Count > 0)
        {
            throw Invalid(errors);
        }

        try
        {
            await Table.SubmitTransactionAsync(records.Select(r => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(r))), cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            var duplicates = new List<ProblemError>();
            for (var i = 0; i < records.Count; i++)
            {
                if ((await Table.GetEntityIfExistsAsync<TableEntity>(model, RowKey(records[i].PredictionId), select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false)).HasValue)
                {
                    duplicates.Add(new("predictionId", i, "A label was already recorded for this prediction."));
                }
            }

            throw new MLOpsException(ProblemKind.Conflict, "Conflict.", $"{Math.Max(1, duplicates.Count)} prediction(s) already have a label; nothing from this request was stored.", duplicates);
        }

        return records;
    }

    /// <summary>The newest labelled predictions of a version, at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<FeedbackRecord>> RecentAsync(string model, int version, int max, CancellationToken cancellationToken)
    {
        var list = new List<FeedbackRecord>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {model} and Version eq {version}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            list.Add(FromEntity(e));
            if (list.Count >= max)
            {
                break;
            }
        }

        return list;
    }

    /// <summary>The labelled predictions as the concept-drift rule reads them.</summary>
    public static LabelledPrediction ToLabelled(FeedbackRecord r) => r.LabelKind == FeedbackLabelKind.Number
        ? new LabelledPrediction(r.PredictedLabel, r.PredictedValue, r.Label, double.Parse(r.Label, NumberStyles.Float, CultureInfo.InvariantCulture), r.Probabilities)
        : new LabelledPrediction(r.PredictedLabel, r.PredictedValue, r.Label, null, r.Probabilities);

    private static string? LabelProblem(FeedbackLabel label, LoggedPrediction logged, ModelVersion version)
    {
        if (logged.Label is null)
        {
            // A regressor (or a model without a label output): the truth is a number.
            return label.Kind == FeedbackLabelKind.Number || logged.Value is null
                ? null
                : $"The prediction is a number (version {logged.Version} is a regressor); the label must be a number, not a {label.Kind.ToString().ToLowerInvariant()}.";
        }

        if (label.Kind != logged.LabelKind)
        {
            return $"The predicted label is a {logged.LabelKind.ToString().ToLowerInvariant()}; the label must be one too, not a {label.Kind.ToString().ToLowerInvariant()}.";
        }

        var classes = version.Metadata.ClassLabels;
        if (classes is { Count: > 0 } && !classes.Contains(label.Text, StringComparer.Ordinal))
        {
            return $"'{ProblemText.Clip(label.Text)}' is not one of the model's classes ({string.Join(", ", classes.Take(10).Select(c => ProblemText.Clip(c)))}{(classes.Count > 10 ? ", ..." : string.Empty)}).";
        }

        return null;
    }

    /// <summary>The logged prediction of each id; reading stops in each hour as soon as all of that hour's ids are found.</summary>
    private async Task<Dictionary<string, LoggedPrediction>> FindPredictionsAsync(
        string model, IEnumerable<ModelVersion> versions, IReadOnlyList<(string Id, DateTimeOffset At)> ids, CancellationToken cancellationToken)
    {
        var container = clients.Blobs.GetBlobContainerClient(names.PredictionsContainer);
        var found = new Dictionary<string, LoggedPrediction>(StringComparer.Ordinal);
        using var buffer = new LineBuffer();
        foreach (var hourGroup in ids.GroupBy(x => new DateTimeOffset(x.At.UtcDateTime.Year, x.At.UtcDateTime.Month, x.At.UtcDateTime.Day, x.At.UtcDateTime.Hour, 0, 0, TimeSpan.Zero)))
        {
            var wanted = hourGroup.Select(x => Encoding.ASCII.GetBytes(x.Id)).ToList();
            var newest = hourGroup.Max(x => x.At);

            // A version cannot have served a prediction before it was registered.
            foreach (var version in versions.Where(v => v.CreatedAt <= newest + TimeSpan.FromMinutes(1)))
            {
                var prefix = BlobPredictionLogSink.Prefix(model, version.Version, hourGroup.Key);
                await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
                {
                    var response = await container.GetBlobClient(blob.Name).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    await using var stream = PredictionLogFormat.OpenLines(blob.Name, response.Value.Content);
                    await LineBuffer.ReadLinesAsync(stream, buffer, line => Match(line, version.Version, wanted, found), cancellationToken).ConfigureAwait(false);
                    if (wanted.Count == 0)
                    {
                        break;
                    }
                }

                if (wanted.Count == 0)
                {
                    break;
                }
            }
        }

        return found;
    }

    /// <summary>Takes the line's prediction when its id is one of <paramref name="wanted"/> (removing it); false once none is left.</summary>
    private static bool Match(ReadOnlySpan<byte> line, int version, List<byte[]> wanted, Dictionary<string, LoggedPrediction> found)
    {
        // The writer puts the id first: {"predictionId":"<28 hex>",...
        const int IdOffset = 17;
        if (line.Length < IdOffset + 28 || !line.StartsWith("{\"predictionId\":\""u8))
        {
            return true;
        }

        var id = line.Slice(IdOffset, 28);
        for (var w = 0; w < wanted.Count; w++)
        {
            if (id.SequenceEqual(wanted[w]) && Outputs(line, version) is { } logged)
            {
                found[Encoding.ASCII.GetString(wanted[w])] = logged;
                wanted.RemoveAt(w);
                break;
            }
        }

        return wanted.Count > 0;
    }

    /// <summary>The predicted label (with its JSON kind), value and class probabilities from a log line.</summary>
    private static LoggedPrediction? Outputs(ReadOnlySpan<byte> line, int version)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("outputs"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                reader.Read();
                string? label = null;
                var kind = FeedbackLabelKind.String;
                double? value = null;
                Dictionary<string, double>? probabilities = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isLabel = reader.ValueTextEquals("label"u8);
                    var isValue = reader.ValueTextEquals("value"u8);
                    var isProbabilities = reader.ValueTextEquals("probabilities"u8);
                    reader.Read();
                    if (isProbabilities && reader.TokenType == JsonTokenType.StartObject)
                    {
                        probabilities = Probabilities(ref reader);
                        continue;
                    }

                    if (isLabel && reader.TokenType == JsonTokenType.String)
                    {
                        label = reader.GetString();
                    }
                    else if (isLabel && reader.TokenType == JsonTokenType.Number)
                    {
                        label = FeedbackLabel.Canonical(reader.GetDouble());
                        kind = FeedbackLabelKind.Number;
                    }
                    else if (isLabel && reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                    {
                        label = reader.TokenType == JsonTokenType.True ? "true" : "false";
                        kind = FeedbackLabelKind.Boolean;
                    }
                    else if (isValue && reader.TokenType == JsonTokenType.Number)
                    {
                        value = reader.GetDouble();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                return new LoggedPrediction(version, label, kind, value, probabilities);
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads a probabilities object (the reader on its start); null when it holds more classes than are kept or a non-finite value.</summary>
    private static Dictionary<string, double>? Probabilities(ref Utf8JsonReader reader)
    {
        var probabilities = new Dictionary<string, double>(StringComparer.Ordinal);
        var keep = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var p) && double.IsFinite(p) && probabilities.Count < MaxStoredClasses)
            {
                probabilities[name] = p;
            }
            else
            {
                keep = false;
                reader.Skip();
            }
        }

        return keep && probabilities.Count > 0 ? probabilities : null;
    }

    /// <summary>The 400 for invalid feedback records: the first problem, and how many there are.</summary>
    internal static MLOpsException Invalid(IReadOnlyList<ProblemError> errors) =>
        MLOpsException.Validation(errors[0].Message + (errors.Count > 1 ? $" ({errors.Count} problems; see errors.)" : string.Empty), errors);

    private static string RowKey(string predictionId)
    {
        // Newest first: the time part is inverted; the random part keeps ids distinct.
        var ms = long.Parse(predictionId.AsSpan(0, 12), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{MaxMilliseconds - ms:x12}{predictionId.AsSpan(12)}");
    }

    private static TableEntity ToEntity(FeedbackRecord r) => new(r.Model, RowKey(r.PredictionId))
    {
        ["PredictionId"] = r.PredictionId,
        ["Version"] = r.Version,
        ["Label"] = r.Label,
        ["LabelKind"] = r.LabelKind.ToString(),
        ["PredictedLabel"] = r.PredictedLabel,
        ["PredictedValue"] = r.PredictedValue,
        ["PredictedAt"] = r.PredictedAt,
        ["ReceivedAt"] = r.ReceivedAt,
        ["By"] = r.By,
        ["Probabilities"] = r.Probabilities is { } p ? JsonSerializer.Serialize(p) : null,
    };

    private static FeedbackRecord FromEntity(TableEntity e) => new(
        e.GetString("PredictionId"),
        e.PartitionKey,
        e.GetInt32("Version")!.Value,
        e.GetString("Label"),
        Enum.Parse<FeedbackLabelKind>(e.GetString("LabelKind")),
        e.GetString("PredictedLabel"),
        e.GetDouble("PredictedValue"),
        e.GetDateTimeOffset("PredictedAt")!.Value,
        e.GetDateTimeOffset("ReceivedAt")!.Value,
        e.GetString("By"),
        e.GetString("Probabilities") is { Length: > 0 } json ? JsonSerializer.Deserialize<Dictionary<string, double>>(json) : null);

    private sealed record LoggedPrediction(int Version, string? Label, FeedbackLabelKind LabelKind, double? Value, IReadOnlyDictionary<string, double>? Probabilities);
}

/// <summary>One {predictionId, label} record of a feedback request.</summary>
public sealed record FeedbackItem(string PredictionId, FeedbackLabel Label);

/// <summary>A label as sent: its canonical text and JSON kind (numbers in invariant form, so 1 and 1.0 are the same label).</summary>
public sealed record FeedbackLabel(string Text, FeedbackLabelKind Kind)
{
    public static FeedbackLabel From(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String when value.GetString() is { Length: > 0 and <= 256 } s => new(s, FeedbackLabelKind.String),
        JsonValueKind.Number when value.TryGetDouble(out var d) && double.IsFinite(d) => new(Canonical(d), FeedbackLabelKind.Number),
        JsonValueKind.True => new("true", FeedbackLabelKind.Boolean),
        JsonValueKind.False => new("false", FeedbackLabelKind.Boolean),
        _ => new(string.Empty, FeedbackLabelKind.Invalid),
    };

    /// <summary>Integral numbers as integers, others round-trippable.</summary>
    public static string Canonical(double d) =>
        Math.Abs(d) < 9e15 && d == Math.Floor(d) ? ((long)d).ToString(CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture);
}

public enum FeedbackLabelKind
{
    String,
    Number,
    Boolean,
    Invalid,
}

/// <summary>A stored label with the prediction it belongs to.</summary>
/// <param name="Probabilities">The class probabilities logged with the prediction (classifiers, up to 256 classes), for AUC; null otherwise and for labels stored before they were kept.</param>
public sealed record FeedbackRecord(
    string PredictionId,
    string Model,
    int Version,
    string Label,
    FeedbackLabelKind LabelKind,
    string? PredictedLabel,
    double? PredictedValue,
    DateTimeOffset PredictedAt,
    DateTimeOffset ReceivedAt,
    string By,
    IReadOnlyDictionary<string, double>? Probabilities = null);
