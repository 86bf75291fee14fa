using System.Text.Json;
using MLOps.Domain.Features;
using MLOps.Functions.Scoring;
using MLOps.Functions.Telemetry;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Scoring;

/// <summary>Concurrent requests scored in combined runs get exactly the answers they would get alone.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class DynamicBatcherTests(LocalHostFixture host)
{
    private async Task<(SessionLease Lease, FeatureSchema Schema)> ChurnSessionAsync()
    {
        var model = Api.UniqueModel("batch");
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        var lease = await host.Service<ModelSessionCache>().AcquireAsync(model, 1, CancellationToken.None);
        return (lease, lease.Session.Version.Features!);
    }

    private static FeatureBatch Batch(FeatureSchema schema, int rows, int seed)
    {
        var records = JsonSerializer.Serialize(SampleData.ChurnRows(rows, seed).Select(SampleData.ToRecord));
        using var document = JsonDocument.Parse(records);
        return RecordBatchParser.Parse(document.RootElement, schema, 1000);
    }

    /// <summary>A 200,000-row batch: its run holds the only slot long enough for other requests to queue behind it.</summary>
    private static FeatureBatch Occupying(FeatureSchema schema) =>
        DynamicBatcher.Concat(Enumerable.Range(0, 400).Select(i => new DynamicBatcher.Waiting(Batch(schema, 500, seed: 1000 + i))).ToList());

    /// <summary>Starts a run of <paramref name="big"/> on the pool and returns once it holds the batcher's only slot.</summary>
    private static Task<ScoreResult> OccupySlot(DynamicBatcher batcher, FeatureBatch big)
    {
        var run = Task.Run(() => batcher.ScoreAsync(big).AsTask());
        WaitUntilRunning(batcher, run);
        return run;
    }

    /// <summary>Waits until <paramref name="run"/> holds the batcher's slot; fails if it ended before anyone could queue.</summary>
    private static void WaitUntilRunning(DynamicBatcher batcher, Task run)
    {
        SpinWait.SpinUntil(() => batcher.Running == 1 || run.IsCompleted, TimeSpan.FromSeconds(30));
        Assert.False(run.IsCompleted, "The occupying run ended before the request could wait for it.");
    }

    [Fact]
    public async Task ScoreAsync_RequestsArrivingWhileTheSlotIsBusy_AreCombinedAndAnsweredAsAlone()
    {
        var (lease, schema) = await ChurnSessionAsync();
        using var _ = lease;
        var scorer = new Scorer();
        var totals = new BatchingTotals();
        var batcher = new DynamicBatcher(scorer, lease.Session, maxConcurrentRuns: 1, maxRows: 64, totals);
        var batches = Enumerable.Range(0, 300).Select(i => Batch(schema, 1 + (i % 3), seed: i)).ToList();
        var alone = batches.Select(b => scorer.Score(lease.Session, b)).ToList();
        var big = Occupying(schema);

        // The only run slot is taken by a 200,000-row run; everything asked meanwhile has to wait and be combined.
        var occupying = Task.Run(() => batcher.ScoreAsync(big).AsTask());
        SpinWait.SpinUntil(() => batcher.Running == 1 || occupying.IsCompleted, TimeSpan.FromSeconds(30));
        var results = batches.Select(b => batcher.ScoreAsync(b).AsTask()).ToList();
        await occupying;
        var answers = await Task.WhenAll(results);

        Assert.True(batcher.BatchedRequests > 0, "No request was combined with another; the slot was free too early.");
        // Counted in the totals it was given (the version's, for the metrics): every combined run holds two requests or more.
        Assert.Equal(batcher.BatchedRequests, totals.BatchedRequests);
        Assert.Equal(batcher.CombinedRuns, totals.CombinedRuns);
        Assert.InRange(totals.CombinedRuns, 1, totals.BatchedRequests / 2);
        Assert.InRange(totals.BatchedRequests, 2, batches.Count);
        for (var i = 0; i < batches.Count; i++)
        {
            var batched = answers[i];
            Assert.Equal(alone[i].Rows, batched.Rows);
            Assert.Equal(alone[i].IntLabels, batched.IntLabels);
            Assert.Equal(alone[i].ClassNames, batched.ClassNames);
            Assert.Equal(alone[i].Probabilities!.Length, batched.Probabilities!.Length);
            for (var p = 0; p < batched.Probabilities.Length; p++)
            {
                // Same rows, same labels; float32 sums may differ in the last bits with the batch size (see DynamicBatcher).
                Assert.Equal(alone[i].Probabilities![p], batched.Probabilities[p], 1e-6f);
            }
        }
    }

    [Fact]
    public async Task ScoreAsync_OneBrokenRequestInAGroup_FailsAloneAndTheOthersAreAnswered()
    {
        var (lease, schema) = await ChurnSessionAsync();
        using var _ = lease;
        var scorer = new Scorer();
        var batcher = new DynamicBatcher(scorer, lease.Session, maxConcurrentRuns: 1, maxRows: 64);
        var good = Batch(schema, 1, seed: 1);
        // A column of the wrong type cannot be combined (nor scored): only its own request may fail.
        var broken = new FeatureBatch(schema, 1, [new float[1], new long[1], new double[1], new float[1], new bool[1]]);

        var outcomes = new List<Task<ScoreResult>>();
        using var start = new Barrier(3);
        var tasks = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            start.SignalAndWait();
            var mine = new List<Task<ScoreResult>>();
            for (var i = 0; i < 200; i++)
            {
                mine.Add(Call(batcher, i % 50 == w ? broken : good));
            }

            lock (outcomes)
            {
                outcomes.AddRange(mine);
            }
        })).ToList();
        await Task.WhenAll(tasks);
        await Task.WhenAll(outcomes.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

        var expected = scorer.Score(lease.Session, good);
        Assert.Equal(12, outcomes.Count(t => t.IsFaulted));
        Assert.All(outcomes.Where(t => !t.IsFaulted), t => Assert.Equal(expected.IntLabels, t.Result.IntLabels));
    }

    [Fact]
    public async Task ScoreAsync_AWaitingRequestGoingOn_DoesNotHoldTheRunSlot()
    {
        var (lease, schema) = await ChurnSessionAsync();
        using var _ = lease;
        var scorer = new Scorer();
        var batcher = new DynamicBatcher(scorer, lease.Session, maxConcurrentRuns: 1, maxRows: 64);
        var big = Occupying(schema);
        var next = Batch(schema, 1, seed: 2);

        var occupying = OccupySlot(batcher, big);

        // The waiting request's continuation runs on the thread that scored its group and, like a handler that
        // scores again, needs the slot itself: it may only run once the slot has been handed on.
        var waited = batcher.ScoreAsync(Batch(schema, 1, seed: 1)).AsTask();
        var nested = waited.ContinueWith(
            _ => batcher.ScoreAsync(next).AsTask().Wait(TimeSpan.FromSeconds(20)),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        await occupying;

        Assert.True(await nested.WaitAsync(TimeSpan.FromSeconds(30)), "Scoring from a waiting request's continuation did not finish: the slot was still held.");
        Assert.Equal(0, batcher.Running);
    }

    [Fact]
    public async Task ScoreAsync_TheThreadThatQueuedAGroupStaysBusy_TheGroupStillRuns()
    {
        var (lease, schema) = await ChurnSessionAsync();
        using var _ = lease;
        var scorer = new Scorer();
        var batcher = new DynamicBatcher(scorer, lease.Session, maxConcurrentRuns: 1, maxRows: 64);
        var big = Occupying(schema);
        using var busy = new ManualResetEventSlim();

        // The group of waiting requests goes to the queue of the thread whose run just ended; that thread then blocks
        // (a long answer, say), and another thread has to take the group from it.
        var occupying = Task.Run(() =>
        {
            var result = batcher.ScoreAsync(big);
            busy.Wait(TimeSpan.FromSeconds(60));
            return result;
        });
        WaitUntilRunning(batcher, occupying);
        var waited = batcher.ScoreAsync(Batch(schema, 1, seed: 1)).AsTask();

        try
        {
            var answered = await Task.WhenAny(waited, Task.Delay(TimeSpan.FromSeconds(30)));
            Assert.True(answered == waited, "The waiting request was not scored while the thread that queued its group stayed busy.");
            Assert.False(occupying.IsCompleted);
            Assert.Equal(1, (await waited).Rows);
        }
        finally
        {
            busy.Set();
        }

        await occupying;
    }

    [Fact]
    public async Task ScoreAsync_ARequestArrivingAfterTheSlotWasHandedOn_JoinsTheGroupThatRunsNext()
    {
        var (lease, schema) = await ChurnSessionAsync();
        using var _ = lease;
        var scorer = new Scorer();
        var handedOn = new List<IThreadPoolWorkItem>();
        var batcher = new DynamicBatcher(scorer, lease.Session, maxConcurrentRuns: 1, maxRows: 64, handOff: handedOn.Add);
        var first = Batch(schema, 1, seed: 1);
        var second = Batch(schema, 2, seed: 2);

        var occupying = OccupySlot(batcher, Occupying(schema));
        var early = batcher.ScoreAsync(first).AsTask();
        await occupying;

        // The run ended with one request waiting: the slot is handed on (not freed), and the group is not formed yet.
        Assert.Single(handedOn);
        Assert.Equal(1, batcher.Running);
        var late = batcher.ScoreAsync(second).AsTask();
        Assert.False(late.IsCompleted, "A request arriving while the slot was handed on must wait for it, not take a slot of its own.");

        handedOn[0].Execute();

        // Both ran in the one combined run the hand-off started, and the slot is free again.
        Assert.Equal(2, batcher.BatchedRequests);
        Assert.Equal(0, batcher.Running);
        Assert.Single(handedOn);
        Assert.Equal(scorer.Score(lease.Session, first).IntLabels, (await early).IntLabels);
        Assert.Equal(scorer.Score(lease.Session, second).IntLabels, (await late).IntLabels);
    }

    [Fact]
    public async Task ScoreAsync_AGroupWhoseCombinedRunFails_IsNotCountedAsCombined()
    {
        var (lease, schema) = await ChurnSessionAsync();
        using var _ = lease;
        var scorer = new Scorer();
        var totals = new BatchingTotals();
        var handedOn = new List<IThreadPoolWorkItem>();
        var batcher = new DynamicBatcher(scorer, lease.Session, maxConcurrentRuns: 1, maxRows: 64, totals, handedOn.Add);
        var good = Batch(schema, 1, seed: 1);
        var broken = new FeatureBatch(schema, 1, [new float[1], new long[1], new double[1], new float[1], new bool[1]]);

        // Two groups in turn behind an occupied slot: a good pair, then a good request with a broken one.
        var occupying = OccupySlot(batcher, Occupying(schema));
        var pair = new[] { batcher.ScoreAsync(good).AsTask(), batcher.ScoreAsync(good).AsTask() };
        await occupying;
        handedOn[0].Execute();
        await Task.WhenAll(pair);
        Assert.Equal((1L, 2L), (totals.CombinedRuns, totals.BatchedRequests));

        occupying = OccupySlot(batcher, Occupying(schema));
        var fine = batcher.ScoreAsync(good).AsTask();
        var refused = Call(batcher, broken);
        await occupying;
        handedOn[1].Execute();

        // The combined run failed, so each was scored alone: one answer, one failure, and no combined run counted.
        Assert.Equal(scorer.Score(lease.Session, good).IntLabels, (await fine).IntLabels);
        await Assert.ThrowsAnyAsync<Exception>(() => refused);
        Assert.Equal((1L, 2L), (totals.CombinedRuns, totals.BatchedRequests));
        Assert.Equal(0, batcher.Running);
    }

    [Fact]
    public async Task ScoreAsync_TwoSlotsHandedOnForOneGroup_TheSecondFindsNothingAndFreesItsSlot()
    {
        var (lease, schema) = await ChurnSessionAsync();
        using var _ = lease;
        var scorer = new Scorer();
        var big = Occupying(schema);

        // Both slots must be busy when the request arrives; if one run ends first (a slow start of the other on two
        // cores), the request takes the free slot and the attempt proves nothing, so it is tried again.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var handedOn = new List<IThreadPoolWorkItem>();
            var batcher = new DynamicBatcher(scorer, lease.Session, maxConcurrentRuns: 2, maxRows: 64, handOff: w => { lock (handedOn) { handedOn.Add(w); } });
            var runs = Enumerable.Range(0, 2).Select(_ => Task.Run(() => batcher.ScoreAsync(big).AsTask())).ToList();
            SpinWait.SpinUntil(() => batcher.Running == 2 || runs.Any(r => r.IsCompleted), TimeSpan.FromSeconds(60));
            var waiting = batcher.ScoreAsync(Batch(schema, 1, seed: 3)).AsTask();
            await Task.WhenAll(runs);
            if (handedOn.Count != 2)
            {
                handedOn.ForEach(w => w.Execute());
                await waiting;
                continue;
            }

            // Both runs ended with the request waiting, so both slots were handed on: the first takes the request,
            // the second finds nobody and frees its slot instead of running an empty group.
            Assert.Equal(2, batcher.Running);
            handedOn[0].Execute();
            Assert.Equal(1, (await waiting).Rows);
            Assert.Equal(1, batcher.Running);
            handedOn[1].Execute();
            Assert.Equal(0, batcher.Running);
            Assert.Equal(1, (await batcher.ScoreAsync(Batch(schema, 1, seed: 4))).Rows);
            Assert.Equal(0, batcher.Running);
            return;
        }

        Assert.Fail("In five attempts the request never found both run slots busy.");
    }

    // A request scored at once throws at the call; one that waited for a combined run faults its task. Both are failures.
    private static Task<ScoreResult> Call(DynamicBatcher batcher, FeatureBatch batch)
    {
        try
        {
            return batcher.ScoreAsync(batch).AsTask();
        }
        catch (Exception ex)
        {
            return Task.FromException<ScoreResult>(ex);
        }
    }

    [Fact]
    public void Slice_CombinedResult_GivesEachRequestItsRows()
    {
        var all = new ScoreResult
        {
            Rows = 3,
            IntLabels = [0, 1, 1],
            Probabilities = [0.9f, 0.1f, 0.2f, 0.8f, 0.3f, 0.7f],
            ClassNames = ["0", "1"],
            OtherOutputs = new Dictionary<string, object?[]> { ["raw"] = [1.0, 2.0, 3.0] },
        };

        var second = DynamicBatcher.Slice(all, 1, 2);

        Assert.Equal(2, second.Rows);
        Assert.Equal([1L, 1], second.IntLabels!);
        Assert.Equal([0.2f, 0.8f, 0.3f, 0.7f], second.Probabilities!);
        Assert.Equal([2.0, 3.0], second.OtherOutputs["raw"]);
    }
}
