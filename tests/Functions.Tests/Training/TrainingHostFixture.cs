using MLOps.Functions.Tests.Infrastructure;

namespace MLOps.Functions.Tests.Training;

/// <summary>
/// A local host like <see cref="LocalHostFixture"/> but without the dataset blob trigger (issue 4), so that training
/// datasets uploaded for models that are not registered yet stay where the test put them.
/// </summary>
/// <remarks>
/// With the trigger on, the validator moves every upload of an unregistered model's dataset to quarantine within one
/// poll interval (it has no expectations to check it against), which would race with the training job reading it.
/// The job itself copes (it reads the blob pinned to its ETag and fails cleanly when the blob vanishes; see
/// <see cref="TrainingDatasetTests"/>), but the tests here are about training, not about that race.
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
