using System.Net;
using MLOps.Domain.Gates;
using MLOps.Domain.Registry;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Functions.Training;

namespace MLOps.Functions.Tests.Training;

/// <summary>What happens when a job's host dies half-way: the activities can be run again without double effects.</summary>
[Collection(TrainingHostCollection.Name)]
public sealed class TrainingRecoveryTests(TrainingHostFixture host)
{
    private async Task<TrainingJobSpec> NewJobAsync(string model, TrainingJobState state, int attempts)
    {
        var data = TrainingData.Binary(rows: 600);
        var uri = await TrainingData.UploadAsync(host, $"{model}/d.csv", TrainingData.Csv(data));
        var datasets = host.Service<TrainingDatasets>();
        var jobs = host.Service<TrainingJobStore>();
        var location = datasets.Locate(uri);
        var spec = new TrainingJobSpec
        {
            Model = model,
            JobId = jobs.NewJobId(),
            Recipe = data.Recipe("lightgbm"),
            DatasetBlob = location.BlobName,
            DatasetUri = location.Uri.AbsoluteUri,
            Gates = QualityGates.Defaults(ModelTask.BinaryClassification),
            GatesSource = "defaults",
            SubmittedBy = "test-operator",
        };
        await jobs.CreateAsync(spec, new TrainingJob
        {
            JobId = spec.JobId,
            Model = model,
            State = state,
            Progress = state == TrainingJobState.Running ? 40 : 0,
            Stage = state == TrainingJobState.Running ? "train" : "queued",
            SubmittedAt = DateTimeOffset.UtcNow,
            SubmittedBy = spec.SubmittedBy,
            Attempts = attempts,
            DatasetUri = spec.DatasetUri,
            Trainer = spec.Recipe.Trainer,
        }, CancellationToken.None);
        return spec;
    }

    [Fact]
    public async Task Job_FoundRunningAfterACrash_IsRunAgainToTheEnd()
    {
        var model = Api.UniqueModel("crashed");
        var spec = await NewJobAsync(model, TrainingJobState.Running, attempts: 1);

        await host.Service<TrainingQueue>().EnqueueAsync(new(model, spec.JobId), CancellationToken.None);
        var job = await TrainingData.WaitAsync(host.Reader, $"/api/models/{model}/training/{spec.JobId}");

        Assert.True(job["state"]!.GetValue<string>() == "succeeded", job.ToJsonString());
        Assert.Equal(2, job["attempts"]!.GetValue<int>());
        Assert.Contains(job["messages"]!.AsArray(), m => m!["text"]!.GetValue<string>().Contains("attempt 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Register_RunTwice_RegistersOneVersion()
    {
        var model = Api.UniqueModel("twice");
        var spec = await NewJobAsync(model, TrainingJobState.Running, attempts: 1);
        var activities = host.Service<TrainingActivities>();

        var dataset = await activities.PrepareDatasetAsync(new PrepareDatasetInput(spec), null, CancellationToken.None);
        var candidate = await activities.TrainCandidateAsync(new TrainCandidateInput(spec, dataset), null, CancellationToken.None);
        var evaluation = await activities.EvaluateCandidateAsync(new EvaluateCandidateInput(spec, dataset, candidate), CancellationToken.None);
        var gates = TrainingActivities.ApplyGates(new ApplyGatesInput(spec.Gates, evaluation));
        var input = new RegisterCandidateInput(spec, dataset, candidate, evaluation, gates);
        var first = await activities.RegisterCandidateAsync(input, CancellationToken.None);
        var second = await activities.RegisterCandidateAsync(input, CancellationToken.None);

        Assert.True(gates.Passed);
        Assert.Equal(first, second);
        using var versions = await host.Reader.GetAsync($"/api/models/{model}/versions");
        Assert.Equal(1, (await versions.ExpectAsync(HttpStatusCode.OK))["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Register_FailedGates_IsRefused()
    {
        var model = Api.UniqueModel("refused");
        var spec = await NewJobAsync(model, TrainingJobState.Running, attempts: 1);
        var activities = host.Service<TrainingActivities>();
        var dataset = await activities.PrepareDatasetAsync(new PrepareDatasetInput(spec), null, CancellationToken.None);
        var candidate = await activities.TrainCandidateAsync(new TrainCandidateInput(spec, dataset), null, CancellationToken.None);
        var evaluation = await activities.EvaluateCandidateAsync(new EvaluateCandidateInput(spec, dataset, candidate), CancellationToken.None);
        var gates = TrainingActivities.ApplyGates(new ApplyGatesInput([new QualityGate("auc", 1.01, GateDirection.HigherIsBetter)], evaluation));

        await Assert.ThrowsAsync<Domain.Problems.MLOpsException>(() => activities.RegisterCandidateAsync(new RegisterCandidateInput(spec, dataset, candidate, evaluation, gates), CancellationToken.None));

        using var response = await host.Reader.GetAsync($"/api/models/{model}");
        await response.ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Runner_MessagesItDidNotWrite_AreAcknowledgedWithoutEffect()
    {
        var runner = host.Service<TrainingJobRunner>();

        await runner.RunAsync("not json", CancellationToken.None);
        await runner.RunAsync("{\"model\":\"nobody\",\"jobId\":\"20261130T000000-0000000000\"}", CancellationToken.None);
        await runner.RunAsync("{}", CancellationToken.None);

        // Acknowledged without effect: no job was made up for the unknown one, and no model appeared.
        Assert.Null(await host.Service<TrainingJobStore>().FindAsync("nobody", "20261130T000000-0000000000", CancellationToken.None));
        using var job = await host.Reader.GetAsync("/api/models/nobody/training/20261130T000000-0000000000");
        await job.ExpectProblemAsync(HttpStatusCode.NotFound);
        using var jobs = await host.Reader.GetAsync("/api/models/nobody/training");
        Assert.Equal(0, (await jobs.ExpectAsync(HttpStatusCode.OK))["count"]!.GetValue<int>());
        using var model = await host.Reader.GetAsync("/api/models/nobody");
        await model.ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
