using System.Globalization;
using System.Text;
using MLOps.Domain.Drift;
using MLOps.Domain.Features;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;
using MLOps.Functions.Drift;
using MLOps.Functions.PredictionLog;
using MLOps.Functions.Storage;
using MLOps.Functions.Tests.Infrastructure;

namespace MLOps.Functions.Tests.Drift;

/// <summary>The window reader on Azurite: a count window takes exactly the newest rows by time, across instances' blobs and hours.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class PredictionLogWindowReaderTests(LocalHostFixture host)
{
    // A fixed "now"; the hours read are the ones before it.
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 10, 59, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task CountWindow_NewestRowsByTimestamp_AcrossBlobsOfOneHour(bool hourInMemory, bool compressed)
    {
        var model = await WriteLogAsync("countwin", compressed);

        var (summary, values) = await ReadAsync(model, rows: 4, hourInMemory);

        // Hour 10 holds minutes 5, 10, 20, 30, 30 (two instances), 40, 50, 55 in three blobs, out of order. The newest
        // four are 55, 50, 40 and one 30: the first in blob order (a-0001, x = 30), not a-0002's (x = 30.5).
        Assert.Equal([30, 40, 50, 55], values);
        Assert.Equal(4, summary.Rows);
        Assert.Equal(Now.AddMinutes(-29), summary.From);
        Assert.Equal(Now.AddMinutes(-4), summary.To);
        Assert.Equal(1, summary.SkippedLines);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task CountWindow_SpanningHours_TakesTheWholeNewerHourThenTheNewestOfTheOlder(bool hourInMemory, bool compressed)
    {
        var model = await WriteLogAsync("countspan", compressed);

        var (summary, values) = await ReadAsync(model, rows: 10, hourInMemory);

        // All eight rows of hour 10, then the two newest of hour 9 (minutes 50 and 40: x = 150, 140). The row logged for
        // 11:00, after "now", is not read.
        Assert.Equal([5, 10, 20, 30, 30.5, 40, 50, 55, 140, 150], values);
        Assert.Equal(10, summary.Rows);
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 9, 40, 0, TimeSpan.Zero), summary.From);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CountWindow_MoreRowsThanLogged_ReadsEverythingOnce(bool compressed)
    {
        var model = await WriteLogAsync("countall", compressed);

        var (summary, values) = await ReadAsync(model, rows: 1000, hourInMemory: true);

        Assert.Equal(14, summary.Rows);
        Assert.Equal(14, values.Length);
        Assert.Equal(4, summary.Blobs);
    }

    private async Task<(DriftWindowSummary Summary, double[] Values)> ReadAsync(string model, int rows, bool hourInMemory)
    {
        var reader = new PredictionLogWindowReader(host.Service<StorageClients>(), host.Names) { HourBufferBytes = hourInMemory ? PredictionLogWindowReader.DefaultHourBufferBytes : 0 };
        var builder = new WindowProfileBuilder(Reference());
        var window = new DriftWindow { Kind = DriftWindowKind.Count, Rows = rows };

        var summary = await reader.ReadAsync(model, 1, window, Now, ModelTask.BinaryClassification, "1", builder, CancellationToken.None);

        return (summary, builder.Build().Feature("x")!.SortedSample!);
    }

    /// <summary>Writes three blobs in hour 10 (two instances), one in hour 9 and one in hour 11, as the log writer lays them out.</summary>
    /// <param name="compressed">Write <c>.jsonl.gz</c> blobs, each of two gzip members (two appends), instead of <c>.jsonl</c>.</param>
    private async Task<string> WriteLogAsync(string stem, bool compressed = false)
    {
        var model = Api.UniqueModel(stem);
        var container = host.Blobs.GetBlobContainerClient(host.Names.PredictionsContainer);
        var ten = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);
        var nine = ten.AddHours(-1);
        var extension = compressed ? PredictionLogFormat.GzipExtension : PredictionLogFormat.PlainExtension;
        await UploadAsync(container, BlobPredictionLogSink.Prefix(model, 1, ten) + "a-0001" + extension, [Line(ten, 10, 10), Line(ten, 30, 30), Line(ten, 50, 50)]);
        await UploadAsync(container, BlobPredictionLogSink.Prefix(model, 1, ten) + "a-0002" + extension, [Line(ten, 30, 30.5), Line(ten, 20, 20)]);
        await UploadAsync(container, BlobPredictionLogSink.Prefix(model, 1, ten) + "b-0001" + extension, [Line(ten, 55, 55), "{\"predictionId\":\"broken", Line(ten, 5, 5), Line(ten, 40, 40)]);
        await UploadAsync(container, BlobPredictionLogSink.Prefix(model, 1, nine) + "a-0001" + extension, [.. Enumerable.Range(0, 6).Select(i => Line(nine, i * 10, 100 + (i * 10)))]);
        await UploadAsync(container, BlobPredictionLogSink.Prefix(model, 1, ten.AddHours(1)) + "a-0001" + extension, [Line(ten.AddHours(1), 0, 999)]);
        return model;
    }

    private static Task UploadAsync(Azure.Storage.Blobs.BlobContainerClient container, string name, string[] lines)
    {
        if (!PredictionLogFormat.IsCompressed(name))
        {
            return container.UploadBlobAsync(name, BinaryData.FromString(string.Join('\n', lines) + "\n"));
        }

        // As the sink appends: one gzip member per write, here the first line and then the rest.
        using var stored = new MemoryStream();
        foreach (var part in new[] { lines[..1], lines[1..] })
        {
            using var member = new System.IO.Compression.GZipStream(stored, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true);
            member.Write(Encoding.UTF8.GetBytes(string.Concat(part.Select(l => l + "\n"))));
        }

        return container.UploadBlobAsync(name, BinaryData.FromBytes(stored.ToArray()));
    }

    private static string Line(DateTimeOffset hour, int minute, double x)
    {
        var at = hour.AddMinutes(minute);
        var id = at.ToUnixTimeMilliseconds().ToString("x12", CultureInfo.InvariantCulture) + "0123456789abcdef";
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"predictionId":"{{id}}","timestamp":"{{at:O}}","model":"m","version":1,"inputs":{"x":{{x}} },"outputs":{"label":1,"probabilities":{"0":0.25,"1":0.75} } }""");
    }

    private static ReferenceProfile Reference()
    {
        var builder = new ReferenceProfileBuilder(new FeatureSchema([new FeatureSpec("x", FeatureType.Double)]));
        for (var i = 0; i < 100; i++)
        {
            builder.AddNumeric(0, i);
            builder.EndRow();
        }

        return builder.Build();
    }
}

/// <summary>How the log parser reads a binary classifier's score: the positive class's probability by name, never by position.</summary>
public sealed class PredictionLogLineParserTests
{
    [Theory]
    [InlineData("1", """{"1":0.9,"0":0.1}""", 0.9)]
    [InlineData("1", """{"0":0.1,"1":0.9}""", 0.9)]
    [InlineData("yes", """{"yes":0.3,"no":0.7}""", 0.3)]
    [InlineData(null, """{"1":0.9,"0":0.1}""", 0.9)] // the rule: "1" wherever it stands
    [InlineData(null, """{"true":0.8,"false":0.2}""", 0.8)]
    [InlineData(null, """{"yes":0.3,"no":0.7}""", 0.7)] // no conventional name: the last class
    public void Parse_BinaryScore_IsTheProbabilityOfThePositiveClass(string? positiveClass, string probabilities, double expected)
    {
        var (builder, parser) = Parser(ModelTask.BinaryClassification, positiveClass);

        parser.Parse(Encoding.UTF8.GetBytes($$$"""{"predictionId":"x","timestamp":"2026-11-29T10:00:00Z","inputs":{"x":1},"outputs":{"label":"1","probabilities":{{{probabilities}}}}}"""));

        Assert.Equal([expected], builder.Build().PredictionScores!.SortedSample!);
    }

    [Fact]
    public void Parse_KnownPositiveClassMissingFromTheLine_ScoreIsMissing()
    {
        var (builder, parser) = Parser(ModelTask.BinaryClassification, "churned");

        parser.Parse("""{"predictionId":"x","timestamp":"2026-11-29T10:00:00Z","inputs":{"x":1},"outputs":{"label":"0","probabilities":{"0":0.4,"1":0.6}}}"""u8);

        var scores = builder.Build().PredictionScores!;
        Assert.Equal(0, scores.Count);
        Assert.Equal(1, scores.Missing);
    }

    [Fact]
    public void Parse_Multiclass_ScoreIsTheTopProbability()
    {
        var (builder, parser) = Parser(ModelTask.MulticlassClassification, null);

        parser.Parse("""{"predictionId":"x","timestamp":"2026-11-29T10:00:00Z","inputs":{"x":1},"outputs":{"label":"b","probabilities":{"a":0.2,"b":0.5,"c":0.3}}}"""u8);

        Assert.Equal([0.5], builder.Build().PredictionScores!.SortedSample!);
    }

    private static (WindowProfileBuilder, PredictionLogLineParser) Parser(ModelTask task, string? positiveClass)
    {
        var profile = new ReferenceProfileBuilder(new FeatureSchema([new FeatureSpec("x", FeatureType.Double)]));
        for (var i = 0; i < 20; i++)
        {
            profile.AddNumeric(0, i);
            profile.EndRow();
            profile.AddPrediction(task, "1", i / 20.0);
        }

        var builder = new WindowProfileBuilder(profile.Build());
        return (builder, new PredictionLogLineParser(builder, task, positiveClass, DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
    }
}
