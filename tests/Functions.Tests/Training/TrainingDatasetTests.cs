using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MLOps.Domain.Problems;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Functions.Training;

namespace MLOps.Functions.Tests.Training;

/// <summary>The dataset passes of a job against real blobs: hashing while streaming, the split, and a blob replaced mid-job.</summary>
[Collection(TrainingHostCollection.Name)]
public sealed class TrainingDatasetTests(TrainingHostFixture host)
{
    private TrainingDatasets Datasets => host.Service<TrainingDatasets>();

    [Fact]
    public async Task Prepare_Csv_HashesTheBytesCountsClassesAndSplitsTheSameWayEachPass()
    {
        var model = Api.UniqueModel("prep");
        var data = TrainingData.Binary(rows: 1000);
        var csv = TrainingData.Csv(data);
        var recipe = data.Recipe("lightgbm");
        var location = Datasets.Locate(await TrainingData.UploadAsync(host, $"{model}/d.csv", csv));

        var prepared = await Datasets.PrepareAsync(location, recipe, null, CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(csv)), prepared.Sha256);
        Assert.Equal(csv.Length, prepared.Bytes);
        Assert.Equal(1000, prepared.Rows);
        Assert.Equal(["false", "true"], prepared.Classes);
        Assert.Equal(200, prepared.Split.HoldoutRows);
        Assert.True(prepared.Split.Stratified);

        // Two later passes see the same holdout rows, and it is the recorded one.
        var first = new List<bool>();
        var second = new List<bool>();
        await Datasets.ForEachRowAsync(prepared, recipe, (_, holdout) => first.Add(holdout), CancellationToken.None);
        await Datasets.ForEachRowAsync(prepared, recipe, (_, holdout) => second.Add(holdout), CancellationToken.None);
        Assert.Equal(first, second);
        Assert.Equal(200, first.Count(h => h));
        Assert.Equal(800, Datasets.ReadRows(prepared, recipe, holdout: false, CancellationToken.None).Count());
    }

    [Fact]
    public async Task Pass_BlobReplacedAfterPrepare_FailsAsChangedInsteadOfReadingOtherBytes()
    {
        var model = Api.UniqueModel("replaced");
        var data = TrainingData.Binary(rows: 300);
        var recipe = data.Recipe("lightgbm");
        var uri = await TrainingData.UploadAsync(host, $"{model}/d.csv", TrainingData.Csv(data));
        var prepared = await Datasets.PrepareAsync(Datasets.Locate(uri), recipe, null, CancellationToken.None);

        await TrainingData.UploadAsync(host, $"{model}/d.csv", TrainingData.Csv(TrainingData.Binary(rows: 300, seed: 9)));

        var ex = await Assert.ThrowsAsync<MLOpsException>(() => Datasets.ForEachRowAsync(prepared, recipe, (_, _) => { }, CancellationToken.None));
        Assert.Equal(ProblemKind.Conflict, ex.Kind);
        Assert.Contains("replaced or deleted", ex.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lightgbm")]
    [InlineData("sdca-logistic")]
    public async Task Train_StreamedAndInMemory_GiveTheSameModel(string trainer)
    {
        var model = Api.UniqueModel("stream");
        var data = TrainingData.Binary(rows: 1200);
        var recipe = data.Recipe(trainer);
        var uri = await TrainingData.UploadAsync(host, $"{model}/d.csv", TrainingData.Csv(data));
        var prepared = await Datasets.PrepareAsync(Datasets.Locate(uri), recipe, null, CancellationToken.None);
        var passes = 0;
        IEnumerable<RecipeRows> Rows()
        {
            passes++;
            return Datasets.ReadRows(prepared, recipe, holdout: false, CancellationToken.None);
        }

        var streaming = new MLNetCandidateTrainer(Options.Create(new MLOps.Functions.Configuration.TrainingOptions { InMemoryTrainingBytes = 0 }), NullLoggerFactory.Instance);
        var inMemory = new MLNetCandidateTrainer(Options.Create(new MLOps.Functions.Configuration.TrainingOptions()), NullLoggerFactory.Instance);

        var streamed = await streaming.TrainAsync(recipe, prepared.Split.TrainRows, Rows, new Progress<double>(), CancellationToken.None);
        var streamedPasses = passes;
        passes = 0;
        var held = await inMemory.TrainAsync(recipe, prepared.Split.TrainRows, Rows, new Progress<double>(), CancellationToken.None);

        Assert.Equal(1, passes);
        Assert.True(streamedPasses > 1, $"the streaming view was read {streamedPasses} time(s)");
        Assert.Equal(held.Onnx, streamed.Onnx);
    }

    [Fact]
    public async Task Prepare_TooFewRowsOrOneClass_AreValidationProblems()
    {
        var model = Api.UniqueModel("tiny");
        var data = TrainingData.Binary(rows: 20);
        var tiny = await TrainingData.UploadAsync(host, $"{model}/tiny.csv", TrainingData.Csv(data));
        var labelColumn = data.Columns.Count - 1;
        var oneClass = await TrainingData.UploadAsync(host, $"{model}/one.csv", TrainingData.Csv(TrainingData.Binary(rows: 200), (_, c, cell) => c == labelColumn ? "false" : cell));

        var few = await Assert.ThrowsAsync<MLOpsException>(() => Datasets.PrepareAsync(Datasets.Locate(tiny), data.Recipe("lightgbm"), null, CancellationToken.None));
        var single = await Assert.ThrowsAsync<MLOpsException>(() => Datasets.PrepareAsync(Datasets.Locate(oneClass), data.Recipe("lightgbm"), null, CancellationToken.None));

        Assert.Equal(ProblemKind.Validation, few.Kind);
        Assert.Contains("at least", few.Detail, StringComparison.Ordinal);
        Assert.Equal(ProblemKind.Validation, single.Kind);
        Assert.Contains("both classes", single.Detail, StringComparison.Ordinal);
    }
}
