using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Domain.Security;
using MLOps.Functions.Registry;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Functions.Validation;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Validation;

/// <summary>
/// What a retry leaves behind: the host runs the function again for the same upload when an attempt crashed after its
/// effects and before its receipt settled. Here the blob trigger is off and the function is called twice by hand.
/// </summary>
public sealed class RetriedValidationTests : IAsyncLifetime
{
    private ValidationHost _host = null!;

    private DatasetValidator Validator => _host.App.Services.GetRequiredService<DatasetValidator>();

    private BlobContainerClient Datasets => ValidationHost.Container(_host.Prefix, "datasets");

    [Fact]
    public async Task ValidateTwice_PassingUpload_OneAuditEntryOneRetrainingRequestOneVersion()
    {
        var model = await ChurnModelAsync("pass");
        using (var put = await _host.Client.PutAsJsonAsync($"/api/models/{model}/policy", new { retrainOnNewData = true, retrainCooldown = "00:00:00" }))
        {
            await put.ExpectAsync(HttpStatusCode.OK); // no cooldown: a second request would be accepted, not suppressed
        }

        var name = $"{model}/batch.csv";
        await Datasets.GetBlobClient(name).UploadAsync(new BinaryData(SampleData.ChurnCsv(300, seed: 11)));

        var first = await Validator.ValidateBlobAsync(name, CancellationToken.None);
        var second = await Validator.ValidateBlobAsync(name, CancellationToken.None);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.True(first.Passed, first.Summary);
        Assert.Equal(first.Id, second.Id);
        Assert.True(first.Retraining!.Accepted, first.Summary);
        Assert.Equal(first.Retraining, second.Retraining); // the recorded request comes back, not a new one or a suppression
        var audit = await AuditAsync(model);
        Assert.Single(audit, a => a!["action"]!.GetValue<string>() == "dataset.validated");
        Assert.Single(audit, a => a!["action"]!.GetValue<string>() == "retraining.requested");
        Assert.DoesNotContain(audit, a => a!["action"]!.GetValue<string>() == "retraining.suppressed");
        Assert.Single(await ItemsAsync($"/api/models/{model}/retraining"));
        Assert.Single(await ItemsAsync($"/api/models/{model}/datasets"));
        Assert.Single(await ItemsAsync($"/api/datasets/validations?model={model}"));
    }

    [Fact]
    public async Task ValidateTwice_QuarantineInterruptedBeforeTheDelete_OneAuditEntryAndTheFileMovedOnce()
    {
        var model = await ChurnModelAsync("fail");
        var name = $"{model}/bad.csv";
        var blob = Datasets.GetBlobClient(name);
        await blob.UploadAsync(new BinaryData(Encoding.UTF8.GetBytes(SampleData.ChurnHeader + "\n150,3,20.5,pro,true,0\n")));

        // A lease makes the delete fail as a crash between the copy and the delete would: the original stays behind.
        var lease = blob.GetBlobLeaseClient();
        await lease.AcquireAsync(TimeSpan.FromSeconds(-1));
        var first = await Validator.ValidateBlobAsync(name, CancellationToken.None);
        Assert.True(await blob.ExistsAsync());
        await lease.ReleaseAsync();
        var second = await Validator.ValidateBlobAsync(name, CancellationToken.None);

        Assert.False(first!.Passed);
        Assert.Equal(first.Id, second!.Id);
        Assert.False(await blob.ExistsAsync());
        Assert.True(await ValidationHost.Container(_host.Prefix, "quarantine").GetBlobClient(name).ExistsAsync());
        Assert.Single(await AuditAsync(model), a => a!["action"]!.GetValue<string>() == "dataset.quarantined");
        Assert.Single(await ItemsAsync($"/api/datasets/validations?model={model}"));

        // Gone now: a third call finds nothing to do and writes nothing.
        Assert.Null(await Validator.ValidateBlobAsync(name, CancellationToken.None));
        Assert.Single(await AuditAsync(model), a => a!["action"]!.GetValue<string>() == "dataset.quarantined");
    }

    [Fact]
    public async Task ValidateTwoUploads_SameBytesUnderAnotherName_AreOneVersionAndOneRetrainingRequest()
    {
        var model = await ChurnModelAsync("copy");
        using (var put = await _host.Client.PutAsJsonAsync($"/api/models/{model}/policy", new { retrainOnNewData = true, retrainCooldown = "00:00:00" }))
        {
            await put.ExpectAsync(HttpStatusCode.OK);
        }

        var csv = new BinaryData(SampleData.ChurnCsv(200, seed: 12));
        await Datasets.GetBlobClient($"{model}/a.csv").UploadAsync(csv);
        await Datasets.GetBlobClient($"{model}/copy-of-a.csv").UploadAsync(csv);

        var first = await Validator.ValidateBlobAsync($"{model}/a.csv", CancellationToken.None);
        var copy = await Validator.ValidateBlobAsync($"{model}/copy-of-a.csv", CancellationToken.None);

        Assert.True(first!.Retraining!.Accepted);
        Assert.Equal(first.DatasetVersion, copy!.DatasetVersion);
        Assert.False(copy.Retraining!.Requested);
        Assert.Contains($"already dataset version {first.DatasetVersion}", copy.Retraining.Detail, StringComparison.Ordinal);
        Assert.Single(await ItemsAsync($"/api/models/{model}/retraining"));
        Assert.Equal(2, (await ItemsAsync($"/api/datasets/validations?model={model}")).Count);
    }

    [Fact]
    public async Task RetrainingRequest_SameIdempotencyKeyTwice_GetsTheRecordedRequestOrOneSuppressionEntry()
    {
        var model = await ChurnModelAsync("key");
        var trigger = _host.App.Services.GetRequiredService<MLOps.Functions.Retraining.IRetrainingTrigger>();
        MLOps.Domain.Retraining.RetrainingRequest Request(string key) =>
            new(model, MLOps.Domain.Retraining.RetrainingReason.NewData, "a validated upload", null, "test", key);

        // Policy off: suppressed both times, audited once.
        var off1 = await trigger.RequestAsync(Request("upload-a"), CancellationToken.None);
        var off2 = await trigger.RequestAsync(Request("upload-a"), CancellationToken.None);
        Assert.False(off1.Accepted);
        Assert.False(off2.Accepted);
        Assert.Single(await AuditAsync(model), a => a!["action"]!.GetValue<string>() == "retraining.suppressed");

        using (var put = await _host.Client.PutAsJsonAsync($"/api/models/{model}/policy", new { retrainOnNewData = true, retrainCooldown = "00:00:00" }))
        {
            await put.ExpectAsync(HttpStatusCode.OK);
        }

        var on1 = await trigger.RequestAsync(Request("upload-b"), CancellationToken.None);
        var on2 = await trigger.RequestAsync(Request("upload-b"), CancellationToken.None);
        var other = await trigger.RequestAsync(Request("upload-c"), CancellationToken.None);

        Assert.True(on1.Accepted);
        Assert.Equal(on1.Record, on2.Record);
        Assert.True(other.Accepted); // another key is another request (no cooldown)
        Assert.NotEqual(on1.Record!.Id, other.Record!.Id);
        Assert.Equal(2, (await ItemsAsync($"/api/models/{model}/retraining")).Count);
    }

    [Fact]
    public async Task AppendAuditOnce_SameKeyTwice_OverwritesTheFirstEntryInPlace()
    {
        var model = await ChurnModelAsync("audit");
        var registry = _host.App.Services.GetRequiredService<IModelRegistry>();
        var by = new Principal("test", Role.Operator);

        await registry.AppendAuditOnceAsync(model, "upload-1", "dataset.validated", by, 1, "first attempt", CancellationToken.None);
        var before = await registry.GetAuditAsync(model, 100, CancellationToken.None);
        await registry.AppendAuditAsync(model, "policy.changed", by, null, "something else happened", CancellationToken.None);
        await registry.AppendAuditOnceAsync(model, "upload-1", "dataset.validated", by, 1, "second attempt", CancellationToken.None);
        await registry.AppendAuditOnceAsync(model, "upload-2", "dataset.validated", by, 1, "another upload", CancellationToken.None);
        var after = await registry.GetAuditAsync(model, 100, CancellationToken.None);

        var once = Assert.Single(after, a => a.Detail is "first attempt" or "second attempt");
        Assert.Equal("second attempt", once.Detail);
        Assert.Equal(before.Single(a => a.Detail == "first attempt").At, once.At); // kept its place in the trail
        Assert.Single(after, a => a.Detail == "another upload");
        Assert.Equal(before.Count + 2, after.Count);
    }

    [Fact]
    public async Task AppendAuditOnce_ConcurrentAttemptsWithOneKey_LeaveOneEntry()
    {
        var model = await ChurnModelAsync("race");
        var registry = _host.App.Services.GetRequiredService<IModelRegistry>();
        var by = new Principal("test", Role.Operator);
        var count = (await registry.GetAuditAsync(model, 100, CancellationToken.None)).Count;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            registry.AppendAuditOnceAsync(model, "same-upload", "dataset.validated", by, 1, $"attempt {i}", CancellationToken.None)));

        Assert.Equal(count + 1, (await registry.GetAuditAsync(model, 100, CancellationToken.None)).Count);
    }

    public async Task InitializeAsync() => _host = await ValidationHost.StartAsync(
        ValidationHost.NewPrefix(), ValidationHost.NewKey(), settings: new Dictionary<string, string?> { ["MLOps:BlobTrigger:Enabled"] = "false" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<string> ChurnModelAsync(string stem)
    {
        var model = Api.UniqueModel("r" + stem);
        await _host.Client.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        await _host.Client.SetAliasAsync(model, "champion", 1);
        using var put = await _host.Client.PutAsync($"/api/models/{model}/expectations", new StringContent("""{"labelColumn":"churned"}""", Encoding.UTF8, "application/json"));
        await put.ExpectAsync(HttpStatusCode.OK);
        return model;
    }

    private async Task<JsonArray> AuditAsync(string model) => await ItemsAsync($"/api/models/{model}/audit");

    private async Task<JsonArray> ItemsAsync(string path) => (await (await _host.Client.GetAsync(path)).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
}
