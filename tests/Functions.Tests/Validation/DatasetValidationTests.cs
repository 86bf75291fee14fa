using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using MLOps.Functions.Tests.Datasets;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;
using Parquet;
using Parquet.Schema;

namespace MLOps.Functions.Tests.Validation;

/// <summary>Uploads real blobs to Azurite with the Storage SDK, as a client would, and waits for the blob trigger's outcome.</summary>
[Collection(ValidationCollection.Name)]
public sealed class DatasetValidationTests(ValidationFixture fixture)
{
    private ValidationHost Host => fixture.Host;

    [Fact]
    public async Task Upload_ValidCsv_IsRegisteredAsDatasetVersionWithReport()
    {
        var model = await fixture.ChurnModelAsync("ok");
        var csv = SampleData.ChurnCsv(500, seed: 7);

        await Datasets.GetBlobClient($"{model}/2026/01/batch.csv").UploadAsync(new BinaryData(csv));
        var summary = Assert.Single(await Host.WaitForReportsAsync(model, 1))!;
        var report = await Host.ReportAsync(summary["id"]!.GetValue<string>());

        Assert.True(report["passed"]!.GetValue<bool>(), report.ToJsonString());
        Assert.Equal("registered", report["outcome"]!.GetValue<string>());
        Assert.Equal(500, report["rows"]!.GetValue<long>());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(csv)), report["sha256"]!.GetValue<string>());
        Assert.Equal(100.0, report["qualityScore"]!.GetValue<double>());
        var took = report["finishedAt"]!.GetValue<DateTimeOffset>() - report["startedAt"]!.GetValue<DateTimeOffset>();
        Assert.True(took > TimeSpan.Zero, $"The report finished at its start ({took}): the finish time was not set when validation ended.");
        Assert.Equal(Math.Round(took.TotalMilliseconds, 1), report["durationMs"]!.GetValue<double>());
        Assert.Contains(report["rules"]!.AsArray(), r => r!["rule"]!.GetValue<string>() == "range(age)" && r["verdict"]!.GetValue<string>() == "passed");
        Assert.Contains(report["rules"]!.AsArray(), r => r!["rule"]!.GetValue<string>() == "labelPresent(churned)" && r["verdict"]!.GetValue<string>() == "passed");
        Assert.False(report["retraining"]!["requested"]!.GetValue<bool>());

        var versions = await (await Host.Client.GetAsync($"/api/models/{model}/datasets")).ExpectAsync(HttpStatusCode.OK);
        var version = Assert.Single(versions["items"]!.AsArray())!;
        Assert.Equal(1, version["version"]!.GetValue<int>());
        Assert.Equal(report["sha256"]!.GetValue<string>(), version["sha256"]!.GetValue<string>());
        Assert.Equal(6, version["schema"]!.AsArray().Count);
        Assert.True(await Datasets.GetBlobClient($"{model}/2026/01/batch.csv").ExistsAsync());
        var markdown = await ValidationHost.Container(Host.Prefix, "reports").GetBlobClient($"validations/{summary["id"]}.md").DownloadContentAsync();
        Assert.StartsWith($"# Validation {summary["id"]}: passed", markdown.Value.Content.ToString(), StringComparison.Ordinal);

        var audit = await (await Host.Client.GetAsync($"/api/models/{model}/audit")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(audit["items"]!.AsArray(), a => a!["action"]!.GetValue<string>() == "dataset.validated");
    }

    [Fact]
    public async Task Upload_PolicyRetrainsOnNewData_RecordsARetrainingRequest()
    {
        var model = await fixture.ChurnModelAsync("retrain");
        using (var put = await Host.Client.PutAsJsonAsync($"/api/models/{model}/policy", new { retrainOnNewData = true }))
        {
            await put.ExpectAsync(HttpStatusCode.OK);
        }

        await Datasets.GetBlobClient($"{model}/new.csv").UploadAsync(new BinaryData(SampleData.ChurnCsv(200, seed: 3)));
        var summary = Assert.Single(await Host.WaitForReportsAsync(model, 1))!;
        var report = await Host.ReportAsync(summary["id"]!.GetValue<string>());

        Assert.True(report["retraining"]!["requested"]!.GetValue<bool>(), report.ToJsonString());
        Assert.True(report["retraining"]!["accepted"]!.GetValue<bool>(), report.ToJsonString());
        var requests = await (await Host.Client.GetAsync($"/api/models/{model}/retraining")).ExpectAsync(HttpStatusCode.OK);
        var request = Assert.Single(requests["items"]!.AsArray())!;
        Assert.Equal("newData", request["reason"]!.GetValue<string>());
    }

    public static TheoryData<string, string, string> Garbage => new()
    {
        { "empty", "empty.csv", "readable" },
        { "truncated", "truncated.csv", "wellFormedRows" },
        { "wrong-delimiter", "semicolons.csv", "columnPresent(age)" },
        { "binary", "image.csv", "readable" },
        { "mismatched-columns", "ragged.csv", "wellFormedRows" },
        { "bom-crlf-bad-values", "windows.csv", "range(age)" },
        { "parquet-unexpected-schema", "data.parquet", "columnType(age)" },
        { "parquet-footer-ends-in-a-value", "footer.parquet", "readable" },
        { "out-of-range-and-unknown-category", "values.csv", "categories(plan)" },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task Upload_Garbage_IsQuarantinedWithAReportNamingTheRule(string kind, string file, string failedRule)
    {
        var model = await fixture.ChurnModelAsync(kind[..Math.Min(kind.Length, 8)]);
        var content = await GarbageAsync(kind);

        await Datasets.GetBlobClient($"{model}/{file}").UploadAsync(new BinaryData(content));
        var summary = Assert.Single(await Host.WaitForReportsAsync(model, 1))!;
        var report = await Host.ReportAsync(summary["id"]!.GetValue<string>());

        Assert.False(report["passed"]!.GetValue<bool>(), report.ToJsonString());
        Assert.Equal("quarantined", report["outcome"]!.GetValue<string>());
        var rule = report["rules"]!.AsArray().FirstOrDefault(r => r!["rule"]!.GetValue<string>() == failedRule);
        Assert.True(rule is not null, $"No rule {failedRule} in {report.ToJsonString()}");
        Assert.Equal("failed", rule["verdict"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(rule["message"]!.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(report["summary"]!.GetValue<string>()));
        await WaitUntilAsync(async () => !await Datasets.GetBlobClient($"{model}/{file}").ExistsAsync(), "the original to be deleted");
        var quarantine = ValidationHost.Container(Host.Prefix, "quarantine");
        Assert.Equal(content, (await quarantine.GetBlobClient($"{model}/{file}").DownloadContentAsync()).Value.Content.ToArray());
        Assert.True(await quarantine.GetBlobClient($"{model}/{file}.report.json").ExistsAsync());
        Assert.Empty((await (await Host.Client.GetAsync($"/api/models/{model}/datasets")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray());
        var audit = await (await Host.Client.GetAsync($"/api/models/{model}/audit")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(audit["items"]!.AsArray(), a => a!["action"]!.GetValue<string>() == "dataset.quarantined");
    }

    [Fact]
    public async Task Upload_ValidCsvWithBomAndCrlf_Passes()
    {
        var model = await fixture.ChurnModelAsync("bom");
        var text = Encoding.UTF8.GetString(SampleData.ChurnCsv(100, seed: 5)).ReplaceLineEndings("\r\n");
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray();

        await Datasets.GetBlobClient($"{model}/windows.csv").UploadAsync(new BinaryData(bytes));
        var summary = Assert.Single(await Host.WaitForReportsAsync(model, 1))!;

        Assert.True(summary["passed"]!.GetValue<bool>(), (await Host.ReportAsync(summary["id"]!.GetValue<string>())).ToJsonString());
    }

    [Fact]
    public async Task Upload_UnknownModel_IsQuarantinedUnderItsFolder()
    {
        var model = Api.UniqueModel("nomodel");

        await Datasets.GetBlobClient($"{model}/x.csv").UploadAsync(new BinaryData(SampleData.ChurnCsv(10)));
        var summary = Assert.Single(await Host.WaitForReportsAsync(model, 1))!;
        var report = await Host.ReportAsync(summary["id"]!.GetValue<string>());

        var rule = Assert.Single(report["rules"]!.AsArray())!;
        Assert.Equal("modelKnown", rule["rule"]!.GetValue<string>());
        Assert.Contains("is registered", rule["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await WaitUntilAsync(async () => await ValidationHost.Container(Host.Prefix, "quarantine").GetBlobClient($"{model}/x.csv").ExistsAsync(), "the quarantine copy");
    }

    [Fact]
    public async Task Reupload_ChangedContent_IsProcessedAgainAndSameContentKeepsItsVersion()
    {
        var model = await fixture.ChurnModelAsync("reup");
        var blob = Datasets.GetBlobClient($"{model}/daily.csv");

        await blob.UploadAsync(new BinaryData(SampleData.ChurnCsv(50, seed: 1)), overwrite: true);
        await Host.WaitForReportsAsync(model, 1);
        await blob.UploadAsync(new BinaryData(SampleData.ChurnCsv(60, seed: 2)), overwrite: true);
        await Host.WaitForReportsAsync(model, 2);
        await blob.UploadAsync(new BinaryData(SampleData.ChurnCsv(60, seed: 2)), overwrite: true); // same bytes, new ETag
        var reports = await Host.WaitForReportsAsync(model, 3);

        Assert.Equal(3, reports.Count);
        var versions = (await (await Host.Client.GetAsync($"/api/models/{model}/datasets")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal([2, 1], versions.Select(v => v!["version"]!.GetValue<int>()));
        Assert.Equal(2, reports.Count(r => r!["datasetVersion"]?.GetValue<int>() == 2));
    }

    [Fact]
    public async Task HandlerException_IsRetriedFiveTimesThenRecordedAsPoison()
    {
        var model = await fixture.ChurnModelAsync("poison");

        // Damaged stored expectations make every attempt throw (an integrity problem, not a validation failure).
        await ValidationHost.Container(Host.Prefix, "reference").GetBlobClient($"{model}/expectations.json").UploadAsync(BinaryData.FromString("{not json"), overwrite: true);
        var blob = Datasets.GetBlobClient($"{model}/p.csv");
        var etag = (await blob.UploadAsync(new BinaryData(SampleData.ChurnCsv(5)))).Value.ETag.ToString();

        var receipts = ValidationHost.Table(Host.Prefix, "blobreceipts");
        TableEntity? receipt = null;
        await WaitUntilAsync(async () =>
        {
            var found = await receipts.GetEntityIfExistsAsync<TableEntity>("ValidateDataset", MLOps.Functions.Local.Blobs.BlobReceipts.KeyOf($"{model}/p.csv", etag));
            receipt = found.HasValue ? found.Value : null;
            return receipt?.GetString("Status") == "Poison";
        }, "the receipt to become Poison");

        Assert.Equal(5, receipt!.GetInt32("Attempts"));
        Assert.Contains("JsonException", receipt.GetString("LastError"), StringComparison.Ordinal);
        var messages = await ValidationHost.Queue(Host.Prefix, "webjobs-blobtrigger-poison").ReceiveMessagesAsync(32);
        Assert.Contains(messages.Value, m => Encoding.UTF8.GetString(Convert.FromBase64String(m.MessageText)).Contains($"{model}/p.csv", StringComparison.Ordinal));
        Assert.True(await blob.ExistsAsync()); // poison leaves the blob where it is, as Azure does
        Assert.Empty(await Host.WaitForReportsAsync(model, 0));
    }

    [Fact]
    public async Task PutExpectations_InvalidRules_Are400NamingTheRule()
    {
        var model = await fixture.ChurnModelAsync("rules");

        using var response = await Host.Client.PutAsync($"/api/models/{model}/expectations", new StringContent(
            """{"rules":[{"kind":"range","column":"age"},{"kind":"nullFraction","column":"age","maxFraction":0.1,"mostly":0.5}]}""", Encoding.UTF8, "application/json"));
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains(problem.Errors(), e => e["field"]!.GetValue<string>() == "rules[0]" && e["message"]!.GetValue<string>().Contains("min", StringComparison.Ordinal));
        Assert.Contains(problem.Errors(), e => e["field"]!.GetValue<string>() == "rules[1]" && e["message"]!.GetValue<string>().Contains("mostly", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PutExpectations_UserRules_ReplaceDerivedOnesAndAreApplied()
    {
        var model = await fixture.ChurnModelAsync("user");
        using (var put = await Host.Client.PutAsync($"/api/models/{model}/expectations", new StringContent(
            """{"labelColumn":"churned","rules":[{"kind":"range","column":"age","min":18,"max":30,"mostly":0.9},{"kind":"unique","columns":["age","tenure_months","monthly_charges"]},{"kind":"rowCount","minRows":1000}]}""",
            Encoding.UTF8, "application/json")))
        {
            var body = await put.ExpectAsync(HttpStatusCode.OK);
            Assert.Contains(body["effectiveRules"]!.AsArray(), r => r!["kind"]!.GetValue<string>() == "range" && r["max"]!.GetValue<double>() == 30 && r["source"]!.GetValue<string>() == "user");
        }

        await Datasets.GetBlobClient($"{model}/u.csv").UploadAsync(new BinaryData(SampleData.ChurnCsv(100, seed: 9)));
        var summary = Assert.Single(await Host.WaitForReportsAsync(model, 1))!;
        var report = await Host.ReportAsync(summary["id"]!.GetValue<string>());
        var rules = report["rules"]!.AsArray().ToDictionary(r => r!["rule"]!.GetValue<string>(), r => r!);

        Assert.Equal("failed", rules["range(age)"]["verdict"]!.GetValue<string>());
        Assert.Equal(0.9, rules["range(age)"]["mostly"]!.GetValue<double>());
        Assert.NotEmpty(rules["range(age)"]["examples"]!.AsArray());
        Assert.Equal("passed", rules["unique(age,tenure_months,monthly_charges)"]["verdict"]!.GetValue<string>());
        Assert.Equal("failed", rules["rowCount"]["verdict"]!.GetValue<string>());
        Assert.InRange(report["qualityScore"]!.GetValue<double>(), 1, 99);
    }

    [Fact]
    public async Task GetExpectations_AfterPut_AnswersWhatThePutAnsweredWithTheSameETag()
    {
        var model = await fixture.ChurnModelAsync("get");
        using var put = await Host.Client.PutAsync($"/api/models/{model}/expectations", new StringContent(
            """{"labelColumn":"churned","rules":[{"kind":"rowCount","minRows":10}]}""", Encoding.UTF8, "application/json"));
        var written = await put.ExpectAsync(HttpStatusCode.OK);

        using var get = await Host.Client.GetAsync($"/api/models/{model}/expectations");
        var read = await get.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(written.ToJsonString(), read.ToJsonString());
        Assert.NotNull(get.Headers.ETag);
        Assert.Equal(put.Headers.ETag, get.Headers.ETag);
        Assert.Equal(1, read["fromVersion"]!.GetValue<int>());
        var rules = read["effectiveRules"]!.AsArray();
        Assert.Contains(rules, r => r!["kind"]!.GetValue<string>() == "rowCount" && r["source"]!.GetValue<string>() == "user");
        Assert.Contains(rules, r => r!["kind"]!.GetValue<string>() == "range" && r["column"]!.GetValue<string>() == "age" && r["source"]!.GetValue<string>() == "schema");
        Assert.Contains(rules, r => r!["kind"]!.GetValue<string>() == "labelPresent" && r["column"]!.GetValue<string>() == "churned");

        var unknown = Api.UniqueModel("nomodel");
        await (await Host.Client.GetAsync($"/api/models/{unknown}/expectations")).ExpectProblemAsync(HttpStatusCode.NotFound);
        using var putUnknown = await Host.Client.PutAsync($"/api/models/{unknown}/expectations", new StringContent("{}", Encoding.UTF8, "application/json"));
        await putUnknown.ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ValidationApi_WithoutKeyOrBadId_AnswersProblems()
    {
        using var anonymous = new HttpClient { BaseAddress = Host.Client.BaseAddress };
        await (await anonymous.GetAsync("/api/datasets/validations")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await Host.Client.GetAsync("/api/datasets/validations/..%2F..%2Fsecret")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await Host.Client.GetAsync("/api/datasets/validations?model=Bad%20Name")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await Host.Client.GetAsync("/api/datasets/validations/20260101T000000-0123456789abcdef")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    private BlobContainerClient Datasets => ValidationHost.Container(Host.Prefix, "datasets");

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(200);
        }
    }

    private static async Task<byte[]> GarbageAsync(string kind)
    {
        var good = Encoding.UTF8.GetString(SampleData.ChurnCsv(40, seed: 11));
        switch (kind)
        {
            case "empty":
                return [];
            case "truncated":
                return Encoding.UTF8.GetBytes(good[..(good.Length - 9)]);
            case "wrong-delimiter":
                return Encoding.UTF8.GetBytes(good.Replace(',', ';'));
            case "binary":
                return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, .. System.Security.Cryptography.RandomNumberGenerator.GetBytes(4000)];
            case "mismatched-columns":
                var lines = good.Split('\n');
                lines[5] += ",extra,fields";
                lines[9] = string.Join(',', lines[9].Split(',').Take(3));
                return Encoding.UTF8.GetBytes(string.Join('\n', lines));
            case "bom-crlf-bad-values":
                var rows = good.Split('\n');
                rows[3] = "150," + string.Join(',', rows[3].Split(',').Skip(1));
                return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(string.Join("\r\n", rows))];
            case "out-of-range-and-unknown-category":
                return Encoding.UTF8.GetBytes(good.Replace(",pro,", ",platinum,", StringComparison.Ordinal));
            case "parquet-footer-ends-in-a-value":
                // Field 1 (i32) whose varint never ends before the footer does: Parquet.Net alone would spin forever here.
                return [.. "PAR1"u8, 0x15, 0xFF, 0xFF, 3, 0, 0, 0, .. "PAR1"u8];
            case "parquet-unexpected-schema":
                var schema = new ParquetSchema(new DataField<string>("age"), new DataField<long>("tenure_months"), new DataField<double>("monthly_charges"), new DataField<string>("plan"), new DataField<bool>("has_support"), new DataField<int>("churned"));
                using (var stream = new MemoryStream())
                {
                    await using (var writer = await ParquetWriter.CreateAsync(schema, stream))
                    {
                        using var group = writer.CreateRowGroup();
                        await group.WriteAsync(schema.DataFields[0], new[] { "forty", "fifty" });
                        await group.WriteAsync<long>(schema.DataFields[1], new long[] { 1, 2 }.AsMemory());
                        await group.WriteAsync<double>(schema.DataFields[2], new[] { 10.0, 20.0 }.AsMemory());
                        await group.WriteAsync(schema.DataFields[3], new[] { "pro", "basic" });
                        await group.WriteAsync<bool>(schema.DataFields[4], new[] { true, false }.AsMemory());
                        await group.WriteAsync<int>(schema.DataFields[5], new[] { 0, 1 }.AsMemory());
                    }

                    return stream.ToArray();
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}

/// <summary>One validation host for the tests of this collection; each test uses its own model.</summary>
public sealed class ValidationFixture : IAsyncLifetime
{
    public string Key { get; } = ValidationHost.NewKey();

    public ValidationHost Host { get; private set; } = null!;

    /// <summary>Registers the sample churn model as a new model with a champion, and sets its label column.</summary>
    public async Task<string> ChurnModelAsync(string stem)
    {
        var model = Api.UniqueModel("d" + stem.Replace("-", string.Empty, StringComparison.Ordinal));
        await Host.Client.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        await Host.Client.SetAliasAsync(model, "champion", 1);
        using var put = await Host.Client.PutAsync($"/api/models/{model}/expectations", new StringContent("""{"labelColumn":"churned"}""", Encoding.UTF8, "application/json"));
        await put.ExpectAsync(HttpStatusCode.OK);
        return model;
    }

    public async Task InitializeAsync() => Host = await ValidationHost.StartAsync(ValidationHost.NewPrefix(), Key);

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ValidationCollection : ICollectionFixture<ValidationFixture>
{
    public const string Name = "validation host";
}
