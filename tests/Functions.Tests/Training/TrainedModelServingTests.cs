using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLOps.Domain.Features;
using MLOps.Domain.Registry;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Training.Export;
using MLOps.Training.Pipeline;
using MLOps.Training.Synthetic;

namespace MLOps.Functions.Tests.Training;

/// <summary>
/// A model trained by ML.NET and exported by our exporter registers through the real registry (Azurite) and the
/// prediction API serves it over HTTP (records form) with ML.NET's probabilities, labels and values.
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed class TrainedModelServingTests(LocalHostFixture host)
{
    private const int Rows = 40;

    [Theory]
    [InlineData("lightgbm")]
    [InlineData("lbfgs-logistic")]
    [InlineData("lbfgs-multiclass")]
    [InlineData("lightgbm-multiclass")]
    [InlineData("fasttree-regression")]
    public async Task Predict_ExportedModel_ServesMLNetPredictions(string trainerId)
    {
        var task = MLOps.Domain.Training.TrainerCatalog.Find(trainerId)!.Task;
        var data = new SyntheticDataset(new SyntheticDatasetOptions
        {
            Task = task, Rows = 3_000 + Rows, NumericFeatures = 3, CategoricalFeatures = 1, BooleanFeatures = 1, MissingShare = 0.1, Seed = 21,
        });
        var hyperparameters = trainerId.StartsWith("lightgbm", StringComparison.Ordinal)
            ? new Dictionary<string, JsonElement> { ["numberOfIterations"] = JsonSerializer.SerializeToElement(40) }
            : trainerId.StartsWith("fasttree", StringComparison.Ordinal)
                ? new Dictionary<string, JsonElement> { ["numberOfTrees"] = JsonSerializer.SerializeToElement(40) }
                : null;
        var trained = new ModelTrainer().Train(data.Recipe(trainerId, hyperparameters), data.ToDataView(0, 3_000));
        var exported = OnnxModelExporter.Export(trained);
        var expected = trained.Predict(data.ToDataView(3_000, Rows));
        var model = Api.UniqueModel("trained");

        var registered = await host.Operator.RegisterAsync(model, exported.Onnx, Metadata(exported, trainerId));
        await host.Operator.SetAliasAsync(model, "champion", registered["version"]!.GetValue<int>());
        using var response = await host.Reader.PostJsonAsync($"/api/models/{model}/predict", Records(data, exported.Features));
        var answer = await response.ExpectAsync(HttpStatusCode.OK);

        var predictions = answer["predictions"]!.AsArray();
        Assert.Equal(Rows, predictions.Count);
        for (var i = 0; i < Rows; i++)
        {
            var p = predictions[i]!;
            if (task == ModelTask.Regression)
            {
                var value = p["value"]!.GetValue<double>();
                Assert.True(Math.Abs(value - expected.Scores![i]) <= 1e-5 * Math.Max(1, Math.Abs(expected.Scores[i])), $"Row {i}: ML.NET {expected.Scores[i]}, API {value}.");
                continue;
            }

            var probabilities = p["probabilities"]!.AsObject();
            Assert.Equal(exported.ClassLabels, probabilities.Select(c => c.Key));
            for (var c = 0; c < exported.ClassLabels.Count; c++)
            {
                var served = probabilities[exported.ClassLabels[c]]!.GetValue<double>();
                Assert.True(Math.Abs(served - expected.Probabilities![i][c]) <= 1e-5, $"Row {i}, class {exported.ClassLabels[c]}: ML.NET {expected.Probabilities[i][c]}, API {served}.");
            }

            var label = p["label"]!.GetValueKind() == JsonValueKind.Number
                ? p["label"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture)
                : p["label"]!.GetValue<string>();
            Assert.Equal(trained.ClassLabels[expected.PredictedClass![i]], label);
        }
    }

    private static string Metadata(ExportedModel exported, string trainer) => JsonSerializer.Serialize(new
    {
        description = $"Trained by {trainer} on generated data.",
        task = JsonNamingPolicy.CamelCase.ConvertName(exported.Task.ToString()),
        features = exported.Features.Features.Select(f => new { name = f.Name, type = f.Type.ToName(), nullable = f.Nullable }),
        classLabels = exported.ClassLabels.Count > 0 ? exported.ClassLabels : null,
    });

    /// <summary>The holdout rows as API records: a missing number is null (the model imputes it), a missing category is "".</summary>
    private static string Records(SyntheticDataset data, FeatureSchema schema)
    {
        var columns = data.ToColumns(3_000, Rows).ToDictionary(p => p.Key, p => p.Value);
        var inputs = new JsonArray();
        for (var i = 0; i < Rows; i++)
        {
            var record = new JsonObject();
            foreach (var feature in schema.Features)
            {
                record[feature.Name] = columns[feature.Name].GetValue(i) switch
                {
                    float f when float.IsNaN(f) => null,
                    float f => JsonValue.Create(f),
                    bool b => JsonValue.Create(b),
                    string s => JsonValue.Create(s),
                    null => JsonValue.Create(string.Empty),
                    var other => throw new InvalidOperationException($"Unexpected {other.GetType()}"),
                };
            }

            inputs.Add(record);
        }

        return new JsonObject { ["inputs"] = inputs }.ToJsonString();
    }
}
