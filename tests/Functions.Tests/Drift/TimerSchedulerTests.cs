using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Functions.Http;
using MLOps.Functions.Local;
using MLOps.Functions.Storage;
using MLOps.Functions.Tests.Infrastructure;

namespace MLOps.Functions.Tests.Drift;

/// <summary>The local timer host on real Azurite: one run per occurrence across instances, and past-due detection from the status blob.</summary>
public sealed class TimerSchedulerTests
{
    [Fact]
    public async Task TwoInstances_EverySecond_EachOccurrenceRunsOnce()
    {
        await Azurite.EnsureRunningAsync();
        var prefix = NewPrefix();
        await using var first = await StartAsync(prefix, "* * * * * *");
        await using var second = await StartAsync(prefix, "* * * * * *");

        await Task.Delay(TimeSpan.FromSeconds(5));

        var a = first.Services.GetRequiredService<TimerScheduler>().Invocations;
        var b = second.Services.GetRequiredService<TimerScheduler>().Invocations;
        var all = a.Concat(b).Where(i => i.Timer == "DriftCheck").ToList();
        Assert.True(all.Count >= 3, $"Only {all.Count} invocations in 5 s with a 1 s schedule.");
        Assert.Equal(all.Count, all.Select(i => i.Occurrence).Distinct().Count());
        Assert.All(all, i => Assert.False(i.IsPastDue));
        var status = await first.Services.GetRequiredService<StorageClients>().Blobs
            .GetBlobContainerClient(prefix + "locks").GetBlobClient(TimerScheduler.StatusPath(FunctionCatalog.Timers[0])).DownloadContentAsync();
        var stored = status.Value.Content.ToObjectFromJson<TimerStatus>(JsonDefaults.Options)!;
        Assert.NotNull(stored.Last);
        Assert.True(stored.Next > stored.Last);
    }

    [Fact]
    public async Task Start_RightAfterAnOccurrenceNobodyRanYet_RunsItOnTime()
    {
        // What a second instance sees when it starts while the first is about to run the occurrence that just came.
        var justGone = DateTimeOffset.UtcNow.AddSeconds(-2);

        var invocation = await StartAfterStatusAsync(next: justGone);

        Assert.False(invocation.IsPastDue);
        Assert.Equal(justGone.ToUnixTimeMilliseconds(), invocation.Occurrence.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Start_AfterAMissedOccurrence_RunsOnceAsPastDue()
    {
        var missed = DateTimeOffset.UtcNow.AddHours(-1);

        var invocation = await StartAfterStatusAsync(next: missed);

        Assert.True(invocation.IsPastDue);
        Assert.Equal(missed.ToUnixTimeMilliseconds(), invocation.Occurrence.ToUnixTimeMilliseconds());
    }

    /// <summary>Starts one instance (its schedule far away) on a status blob that expects <paramref name="next"/>; returns its only invocation.</summary>
    private static async Task<TimerInvocation> StartAfterStatusAsync(DateTimeOffset next)
    {
        await Azurite.EnsureRunningAsync();
        var prefix = NewPrefix();
        var locks = new BlobServiceClient("UseDevelopmentStorage=true").GetBlobContainerClient(prefix + "locks");
        await locks.CreateIfNotExistsAsync();
        await locks.GetBlobClient(TimerScheduler.StatusPath(FunctionCatalog.Timers[0]))
            .UploadAsync(BinaryData.FromObjectAsJson(new TimerStatus(next.AddMinutes(-15), next, next.AddMinutes(-15)), JsonDefaults.Options), overwrite: true);

        await using var host = await StartAsync(prefix, "0 0 0 1 1 *");
        var scheduler = host.Services.GetRequiredService<TimerScheduler>();
        for (var i = 0; i < 100 && scheduler.Invocations.Count == 0; i++)
        {
            await Task.Delay(100);
        }

        return Assert.Single(scheduler.Invocations);
    }

    [Fact]
    public async Task Start_WithoutStatus_DoesNotRunUntilTheSchedule()
    {
        await Azurite.EnsureRunningAsync();
        await using var host = await StartAsync(NewPrefix(), "0 0 0 1 1 *");

        await Task.Delay(1000);

        Assert.Empty(host.Services.GetRequiredService<TimerScheduler>().Invocations);
    }

    private static async Task<WebApplication> StartAsync(string prefix, string schedule)
    {
        var app = LocalFunctionsHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
                ["MLOps:Storage:Prefix"] = prefix,
                ["DriftSchedule"] = schedule,
            }));
        await app.StartAsync();
        return app;
    }

    private static string NewPrefix() => "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
}
