using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Microsoft.ML.Transforms;
using MLOps.Training.Data;
using MLOps.Training.Export;
using MLOps.Training.Pipeline;
using MLOps.Training.Synthetic;

namespace MLOps.Benchmarks.Training;

/// <summary>
/// Times training the tree trainers on the 1M × 20 workload with our <see cref="ModelTrainer"/> against a plain,
/// hand-written ML.NET pipeline doing the same work (mean imputation, one-hot, the same trainer and settings) in the
/// same process, and reports holdout AUC, export time, file size and ONNX/ML.NET agreement on 1,000 holdout rows.
/// </summary>
/// <remarks>Bounded: two trainers, each trained once by each pipeline; nothing else runs in the process meanwhile.</remarks>
internal static class TrainingRun
{
    public static int Run(string output, int trainRows, string[] trainers)
    {
        var report = new StringBuilder();
        var total = Stopwatch.StartNew();
        var watch = Stopwatch.StartNew();
        var data = TrainingWorkload.Dataset(trainRows);
        var train = data.ToDataView(0, trainRows);
        var generate = watch.Elapsed;
        watch.Restart();
        var holdoutColumns = data.ToColumns(trainRows, TrainingWorkload.HoldoutRows);
        var holdout = ColumnarDataView.Create(holdoutColumns);
        Console.WriteLine(Invariant($"training: generated {trainRows:N0} training rows in {generate.TotalSeconds:F1} s"));

        report.AppendLine(Invariant($"# Training benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        report.AppendLine();
        report.AppendLine(Invariant($"Machine: {Environment.ProcessorCount} cores, {Cpu()}. Data: {trainRows:N0} training rows × 20 features (14 numeric, 3 categorical with 8 values, 3 flags; 2 % missing numbers and categories), binary label with 30 % positives; holdout: the next {TrainingWorkload.HoldoutRows:N0} rows. Generating the training rows took {generate.TotalSeconds:F1} s."));
        report.AppendLine();
        report.AppendLine("| trainer | pipeline | train time (s) | ratio to plain ML.NET | holdout AUC | export (s) | ONNX size (KB) | max abs. probability diff ONNX vs ML.NET (1,000 rows) |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");

        var ml = new MLContext(1);

        // Warm-up, untimed: both pipelines once on 10,000 rows, so JIT compilation and native library loading do not
        // land on whichever pipeline happens to run first.
        var warmup = data.ToDataView(0, 10_000);
        foreach (var trainer in trainers)
        {
            PlainPipeline(ml, data, trainer).Fit(warmup);
            new ModelTrainer().Train(data.Recipe(trainer), warmup);
        }

        foreach (var trainer in trainers)
        {
            watch.Restart();
            var plain = PlainPipeline(ml, data, trainer).Fit(train);
            var plainTime = watch.Elapsed;
            var plainAuc = ml.BinaryClassification.Evaluate(plain.Transform(holdout), SyntheticDataset.LabelName).AreaUnderRocCurve;
            Console.WriteLine(Invariant($"training: plain ML.NET {trainer}: {plainTime.TotalSeconds:F1} s, AUC {plainAuc:F4}"));

            var recipe = data.Recipe(trainer);
            watch.Restart();
            var model = new ModelTrainer().Train(recipe, train);
            var ourTime = watch.Elapsed;
            var auc = ml.BinaryClassification.Evaluate(model.Transform(holdout), model.LabelColumnName).AreaUnderRocCurve;
            watch.Restart();
            var exported = OnnxModelExporter.Export(model);
            var exportTime = watch.Elapsed;
            var diff = MaxDifference(model, exported, holdoutColumns);
            Console.WriteLine(Invariant($"training: ModelTrainer {trainer}: {ourTime.TotalSeconds:F1} s, AUC {auc:F4}, export {exportTime.TotalSeconds:F2} s, {exported.Onnx.Length / 1024} KB, max diff {diff:E1}"));

            report.AppendLine(Invariant($"| {trainer} | plain ML.NET (baseline) | {plainTime.TotalSeconds:F1} | 1.00 | {plainAuc:F4} | | | |"));
            report.AppendLine(Invariant($"| {trainer} | ModelTrainer (recipe) | {ourTime.TotalSeconds:F1} | {ourTime / plainTime:F2} | {auc:F4} | {exportTime.TotalSeconds:F2} | {exported.Onnx.Length / 1024:N0} | {diff:E1} |"));
        }

        report.AppendLine();
        report.AppendLine("Plain ML.NET: ReplaceMissingValues (mean) on the numbers, OneHotEncoding on the categories, ConvertType on the flags, Concatenate, then the same trainer with the same settings. ModelTrainer adds a statistics pass (missing values, imputation values, label checks) and per-column custom mappings for imputation.");
        report.AppendLine(Invariant($"Whole run: {total.Elapsed.TotalSeconds:F0} s."));
        File.WriteAllText(output, report.ToString());
        Console.WriteLine($"training: wrote {output}");
        return 0;
    }

    /// <summary>What someone would write by hand with ML.NET for the same data and trainer settings.</summary>
    private static IEstimator<ITransformer> PlainPipeline(MLContext ml, SyntheticDataset data, string trainer)
    {
        var numeric = data.NumericNames.Select(n => new InputOutputColumnPair(n, n)).ToArray();
        var flags = data.BooleanNames.Select(n => new InputOutputColumnPair(n, n)).ToArray();
        var categories = data.CategoricalNames.Select(n => new InputOutputColumnPair(n + "_onehot", n)).ToArray();
        var features = data.NumericNames.Concat(data.BooleanNames).Concat(categories.Select(c => c.OutputColumnName)).ToArray();
        var pipeline = ml.Transforms.ReplaceMissingValues(numeric, MissingValueReplacingEstimator.ReplacementMode.Mean)
            .Append(ml.Transforms.Conversion.ConvertType(flags, DataKind.Single))
            .Append(ml.Transforms.Categorical.OneHotEncoding(categories))
            .Append(ml.Transforms.Concatenate("Features", features));
        return trainer == "fasttree"
            ? pipeline.Append(ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                LabelColumnName = SyntheticDataset.LabelName, NumberOfTrees = 100, NumberOfLeaves = 20, MinimumExampleCountPerLeaf = 10, LearningRate = 0.2,
            }))
            : pipeline.Append(ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
            {
                LabelColumnName = SyntheticDataset.LabelName, NumberOfIterations = 100, NumberOfLeaves = 31, MinimumExampleCountPerLeaf = 20, LearningRate = 0.1,
                UseCategoricalSplit = false, Booster = new GradientBooster.Options { L2Regularization = 0.01 },
            }));
    }

    private static double MaxDifference(TrainedModel model, ExportedModel exported, IReadOnlyList<KeyValuePair<string, Array>> holdout)
    {
        var rows = 1_000;
        var columns = holdout.Select(p => KeyValuePair.Create(p.Key, Slice(p.Value, rows))).ToList();
        var expected = model.Predict(ColumnarDataView.Create(columns));
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(exported.Onnx);
        var inputs = exported.Features.Features.Select(f =>
        {
            var values = columns.First(c => c.Key == f.Name).Value;
            int[] dims = [rows, 1];
            return values switch
            {
                float[] v => Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(f.Name, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(v, dims)),
                bool[] v => Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(f.Name, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<bool>(v, dims)),
                string?[] v => Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(f.Name, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<string>(v.Select(s => s ?? string.Empty).ToArray(), dims)),
                _ => throw new InvalidOperationException($"Unexpected column type {values.GetType()}"),
            };
        }).ToList();
        using var results = session.Run(inputs);
        var probabilities = results.First(r => r.Name == "probabilities").AsTensor<float>();
        var max = 0d;
        for (var i = 0; i < rows; i++)
        {
            max = Math.Max(max, Math.Abs(probabilities[i, 1] - expected.Probabilities![i][1]));
        }

        return max;
    }

    private static Array Slice(Array values, int rows)
    {
        var slice = Array.CreateInstance(values.GetType().GetElementType()!, rows);
        Array.Copy(values, slice, rows);
        return slice;
    }

    private static string Cpu() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
