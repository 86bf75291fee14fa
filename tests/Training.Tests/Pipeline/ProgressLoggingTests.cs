using System.Text.Json;
using Microsoft.Extensions.Logging;
using MLOps.Domain.Registry;
using MLOps.Training.Data;
using MLOps.Training.Export;
using MLOps.Training.Pipeline;
using MLOps.Training.Synthetic;
using Moq;

namespace MLOps.Training.Tests.Pipeline;

public sealed class ProgressLoggingTests
{
    [Fact]
    public void Train_LogsPercentagesAtTenPercentStepsAndTheEnd()
    {
        var messages = new List<string>();
        var logger = new Mock<ILogger<ModelTrainer>>();
        logger.Setup(l => l.IsEnabled(It.IsAny<LogLevel>())).Returns(true);
        logger.Setup(l => l.Log(It.IsAny<LogLevel>(), It.IsAny<EventId>(), It.IsAny<It.IsAnyType>(), It.IsAny<Exception?>(), It.IsAny<Func<It.IsAnyType, Exception?, string>>()))
            .Callback(new InvocationAction(i => messages.Add(i.Arguments[2]?.ToString() ?? string.Empty)));
        var data = new SyntheticDataset(new SyntheticDatasetOptions { Rows = 20_000, Seed = 3 });
        var recipe = data.Recipe("fasttree", new Dictionary<string, JsonElement> { ["numberOfTrees"] = JsonSerializer.SerializeToElement(200) });

        new ModelTrainer(logger.Object) { ProgressInterval = TimeSpan.FromMilliseconds(10) }.Train(recipe, data.ToDataView());

        Assert.Contains(messages, m => m.StartsWith("Training fasttree on 6 features started", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Training fasttree: statistics 0%", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Training fasttree: training", StringComparison.Ordinal) && m.Contains("iteration", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Training fasttree: done 100%", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Training fasttree finished: 20000 rows", StringComparison.Ordinal));
        Assert.True(messages.Count < 30, $"Progress is logged at 10 % steps, not on every poll ({messages.Count} messages).");
    }

    [Fact]
    public async Task FromAsync_AsyncRowSource_IsReadOncePerPass()
    {
        var data = new SyntheticDataset(new SyntheticDatasetOptions { Rows = 2_000, Seed = 4 });
        var opened = 0;
        async IAsyncEnumerable<IReadOnlyList<object?>> Rows([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
        {
            Interlocked.Increment(ref opened);
            foreach (var row in data.Rows())
            {
                await Task.Yield();
                yield return row;
            }
        }

        var view = StreamingDataViews.FromAsync(data.Columns, Rows, data.Options.Rows);
        var model = await new ModelTrainer().TrainAsync(data.Recipe("lbfgs-logistic"), view);

        Assert.Equal(ModelTask.BinaryClassification, model.Task);
        Assert.Equal(2_000, model.TrainingRows);
        Assert.True(opened >= 2);
    }

    [Fact]
    public void Export_WritesTaskTrainerRecipeAndClassLabelsIntoTheModelMetadata()
    {
        var data = new SyntheticDataset(new SyntheticDatasetOptions { Task = ModelTask.MulticlassClassification, Rows = 2_000, Seed = 6 });
        var model = new ModelTrainer().Train(data.Recipe("lbfgs-multiclass"), data.ToDataView());

        var exported = OnnxModelExporter.Export(model);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(exported.Onnx);
        var metadata = session.ModelMetadata.CustomMetadataMap;

        Assert.Equal("multiclassClassification", metadata["task"]);
        Assert.Equal("lbfgs-multiclass", metadata["trainer"]);
        Assert.Equal(["class_0", "class_1", "class_2"], JsonSerializer.Deserialize<string[]>(metadata["class_labels"])!);
        Assert.Contains("\"kind\":\"categorical\"", metadata["recipe"], StringComparison.Ordinal);
        Assert.Contains("cat_0=cat_0_v0", metadata["feature_slots"], StringComparison.Ordinal);
        Assert.Equal(["label", "probabilities"], session.OutputMetadata.Keys);
    }
}
