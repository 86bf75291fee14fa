using MLOps.Functions.Scoring;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Scoring;

[Collection(LocalHostCollection.Name)]
public sealed class ModelSessionCacheTests(LocalHostFixture host)
{
    [Fact]
    public async Task Retire_WhileRequestHoldsLease_DisposesOnlyAfterLeaseEnds()
    {
        var model = Api.UniqueModel("lease");
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), null);
        var cache = host.Service<ModelSessionCache>();

        var lease = await cache.AcquireAsync(model, 1, CancellationToken.None);
        var session = lease.Session;
        cache.Retire(model, 1);

        Assert.False(session.IsDisposed);
        Assert.DoesNotContain((model, 1), cache.Loaded);
        lease.Dispose();
        Assert.True(session.IsDisposed);

        using var fresh = await cache.AcquireAsync(model, 1, CancellationToken.None);
        Assert.NotSame(session, fresh.Session);
        Assert.False(fresh.Session.IsDisposed);
    }

    [Fact]
    public async Task AliasMove_RetiresOldVersionAfterItsRequestsFinish()
    {
        var model = Api.UniqueModel("swap");
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), null);
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), null);
        await host.Operator.SetAliasAsync(model, "champion", 1);
        var cache = host.Service<ModelSessionCache>();
        var lease = await cache.AcquireAsync(model, 1, CancellationToken.None);

        await host.Operator.SetAliasAsync(model, "champion", 2);

        Assert.Contains((model, 2), cache.Loaded);
        Assert.DoesNotContain((model, 1), cache.Loaded);
        var old = lease.Session;
        Assert.False(old.IsDisposed);
        lease.Dispose();
        Assert.True(old.IsDisposed);
    }

    [Fact]
    public async Task ConcurrentFirstRequests_ShareOneLoad()
    {
        var model = Api.UniqueModel("once");
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), null);
        var cache = host.Service<ModelSessionCache>();

        var leases = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => cache.AcquireAsync(model, 1, CancellationToken.None).AsTask()));

        Assert.Single(leases.Select(l => l.Session).Distinct());
        foreach (var lease in leases)
        {
            lease.Dispose();
        }
    }

    [Fact]
    public async Task GetOrLoadAsync_LoadedVersion_HandsOutTheCachedTask()
    {
        var model = Api.UniqueModel("hit");
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), null);
        var cache = host.Service<ModelSessionCache>();
        await cache.GetOrLoadAsync(model, 1, CancellationToken.None);
        var first = cache.GetOrLoadAsync(model, 1, CancellationToken.None);
        Assert.True(first.IsCompletedSuccessfully);

        // Every request takes this path: a loaded session's lookup returns the load's own completed task rather than
        // wrapping it in a new one (a task allocated per request), and an already cancelled request still gets it.
        using var canceled = new CancellationTokenSource();
        canceled.Cancel();
        Assert.Same(first, cache.GetOrLoadAsync(model, 1, CancellationToken.None));
        Assert.Same(first, cache.GetOrLoadAsync(model, 1, canceled.Token));
    }
}
