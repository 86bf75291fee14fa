using System.Net;
using System.Text;
using Azure.Data.Tables;
using MLOps.Functions.Local.Blobs;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Validation;

/// <summary>The host stops (or dies) while a blob is being processed; after a restart every blob has exactly one outcome.</summary>
public sealed class BlobTriggerRestartTests
{
    [Fact]
    public async Task HostStoppedDuringProcessing_AfterRestart_TheBlobHasExactlyOneOutcome()
    {
        var prefix = ValidationHost.NewPrefix();
        var key = ValidationHost.NewKey();
        var model = Api.UniqueModel("restart");
        var name = $"{model}/big.csv";
        string etag;
        await using (var first = await ValidationHost.StartAsync(prefix, key))
        {
            await RegisterAsync(first, model);
            etag = (await ValidationHost.Container(prefix, "datasets").GetBlobClient(name).UploadAsync(new BinaryData(SampleData.ChurnCsv(300_000, seed: 4)))).Value.ETag.ToString();
            await WaitForStatusAsync(prefix, name, etag, "Processing");
        } // stopped mid-processing: the claim is given back

        var afterStop = await ReceiptAsync(prefix, name, etag);
        Assert.NotEqual("Done", afterStop?.GetString("Status"));

        await using var second = await ValidationHost.StartAsync(prefix, key);
        var reports = await second.WaitForReportsAsync(model, 1);
        await WaitForStatusAsync(prefix, name, etag, "Done");
        await Task.Delay(1000);

        Assert.Single(await second.WaitForReportsAsync(model, 1));
        var versions = (await (await second.Client.GetAsync($"/api/models/{model}/datasets")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Single(versions);
        Assert.Equal(300_000, versions[0]!["rows"]!.GetValue<long>());
        Assert.Equal(1, (await ReceiptAsync(prefix, name, etag))!.GetInt32("Attempts"));
        Assert.True(reports[0]!["passed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task InstanceDiedHoldingAClaim_AnotherTakesOverAfterTheLease_AndCountsTheAttempt()
    {
        var prefix = ValidationHost.NewPrefix();
        var key = ValidationHost.NewKey();
        var model = Api.UniqueModel("takeover");
        var name = $"{model}/d.csv";
        await using (var setup = await ValidationHost.StartAsync(prefix, key))
        {
            await RegisterAsync(setup, model);
        }

        // The host is down; a "dead" instance holds the claim, its lease running out in 2 s.
        var etag = (await ValidationHost.Container(prefix, "datasets").GetBlobClient(name).UploadAsync(new BinaryData(SampleData.ChurnCsv(20)))).Value.ETag.ToString();
        var receipts = ValidationHost.Table(prefix, "blobreceipts");
        await receipts.AddEntityAsync(new TableEntity("ValidateDataset", BlobReceipts.KeyOf(name, etag))
        {
            ["BlobName"] = name,
            ["BlobETag"] = etag,
            ["Status"] = "Processing",
            ["Attempts"] = 1,
            ["LeaseUntil"] = DateTimeOffset.UtcNow.AddSeconds(2),
            ["Owner"] = "dead-instance",
        });

        await using var host = await ValidationHost.StartAsync(prefix, key);
        await host.WaitForReportsAsync(model, 1);
        await WaitForStatusAsync(prefix, name, etag, "Done");

        Assert.Equal(2, (await ReceiptAsync(prefix, name, etag))!.GetInt32("Attempts"));
        Assert.Single(await host.WaitForReportsAsync(model, 1));
    }

    private static async Task RegisterAsync(ValidationHost host, string model)
    {
        await host.Client.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        await host.Client.SetAliasAsync(model, "champion", 1);
        using var put = await host.Client.PutAsync($"/api/models/{model}/expectations", new StringContent("""{"labelColumn":"churned"}""", Encoding.UTF8, "application/json"));
        await put.ExpectAsync(HttpStatusCode.OK);
    }

    private static async Task<TableEntity?> ReceiptAsync(string prefix, string name, string etag)
    {
        var found = await ValidationHost.Table(prefix, "blobreceipts").GetEntityIfExistsAsync<TableEntity>("ValidateDataset", BlobReceipts.KeyOf(name, etag));
        return found.HasValue ? found.Value : null;
    }

    private static async Task WaitForStatusAsync(string prefix, string name, string etag, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while ((await ReceiptAsync(prefix, name, etag))?.GetString("Status") != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The receipt of {name} did not reach {status} in time.");
            await Task.Delay(50);
        }
    }
}
