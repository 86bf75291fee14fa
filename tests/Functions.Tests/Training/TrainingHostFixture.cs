using MLOps.Functions.Tests.Infrastructure;

namespace MLOps.Functions.Tests.Training;

/// <summary>
/// A local host like <see cref="LocalHostFixture"/> but without the dataset blob trigger (issue 4), so that training
/// datasets uploaded for models that are not registered yet stay where the test put them.
/// </summary>
/// <remarks>
/// With the trigger on, the validator quarantines uploads for models that are neither registered nor declared
/// (<c>PUT /api/models/{name}</c>). These tests train models they never declare, on purpose, to keep the training
/// tests about training; the declared-model flow with every trigger on is <c>Workflows/NewModelFlowTests</c>.
/// The job copes with a vanishing blob either way: it reads the blob pinned to its ETag and fails cleanly
/// (<see cref="TrainingDatasetTests"/>).
/// </remarks>
public sealed class TrainingHostFixture : LocalHostFixture
{
    protected override void Configure(IDictionary<string, string?> settings) => settings["MLOps:BlobTrigger:Enabled"] = "false";
}

[CollectionDefinition(Name)]
public sealed class TrainingHostCollection : ICollectionFixture<TrainingHostFixture>
{
    public const string Name = "training host";
}
