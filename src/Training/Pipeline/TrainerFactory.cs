using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using MLOps.Domain.Training;

namespace MLOps.Training.Pipeline;

/// <summary>Makes the ML.NET trainer a recipe names, with its checked hyperparameters.</summary>
/// <remarks>
/// Choices made here for parity and reproducibility, not left to ML.NET's auto-tuning:
/// categorical splits are off (one-hot slots are split on like numbers, which the ONNX tree operators express exactly);
/// SDCA and L-BFGS run on one thread, so the same seed gives the same weights.
/// </remarks>
internal static class TrainerFactory
{
    public static IEstimator<ITransformer> Create(MLContext ml, TrainerDefinition trainer, HyperparameterValues h, string label, string features, int seed) =>
        trainer.Id switch
        {
            "lightgbm" => ml.BinaryClassification.Trainers.LightGbm(LightGbm(new LightGbmBinaryTrainer.Options(), h, label, features, seed)),
            "lightgbm-multiclass" => ml.MulticlassClassification.Trainers.LightGbm(LightGbm(new LightGbmMulticlassTrainer.Options(), h, label, features, seed)),
            "lightgbm-regression" => ml.Regression.Trainers.LightGbm(LightGbm(new LightGbmRegressionTrainer.Options(), h, label, features, seed)),
            "fasttree" => ml.BinaryClassification.Trainers.FastTree(FastTree(new FastTreeBinaryTrainer.Options(), h, label, features, seed)),
            "fasttree-regression" => ml.Regression.Trainers.FastTree(FastTree(new FastTreeRegressionTrainer.Options(), h, label, features, seed)),
            "sdca-logistic" => ml.BinaryClassification.Trainers.SdcaLogisticRegression(Sdca(new SdcaLogisticRegressionBinaryTrainer.Options(), h, label, features)),
            "sdca-multiclass" => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(Sdca(new SdcaMaximumEntropyMulticlassTrainer.Options(), h, label, features)),
            "sdca-regression" => ml.Regression.Trainers.Sdca(Sdca(new SdcaRegressionTrainer.Options(), h, label, features)),
            "lbfgs-logistic" => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(Lbfgs(new LbfgsLogisticRegressionBinaryTrainer.Options(), h, label, features)),
            "lbfgs-multiclass" => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(Lbfgs(new LbfgsMaximumEntropyMulticlassTrainer.Options(), h, label, features)),
            "lbfgs-poisson" => ml.Regression.Trainers.LbfgsPoissonRegression(Lbfgs(new LbfgsPoissonRegressionTrainer.Options(), h, label, features)),
            _ => throw new ArgumentOutOfRangeException(nameof(trainer), trainer.Id, "No ML.NET trainer for this id."),
        };

    /// <summary>The iteration budget the trainer reports progress against, when ML.NET does not say it.</summary>
    public static int? IterationBudget(TrainerDefinition trainer, HyperparameterValues h) => trainer.Id switch
    {
        var id when id.StartsWith("lightgbm", StringComparison.Ordinal) => h.Int("numberOfIterations"),
        var id when id.StartsWith("fasttree", StringComparison.Ordinal) => h.Int("numberOfTrees"),
        var id when id.StartsWith("lbfgs", StringComparison.Ordinal) => h.Int("maximumNumberOfIterations"),
        _ => h.OptionalInt("maximumNumberOfIterations"),
    };

    private static LightGbmBinaryTrainer.Options LightGbm(LightGbmBinaryTrainer.Options o, HyperparameterValues h, string label, string features, int seed)
    {
        o.NumberOfIterations = h.Int("numberOfIterations");
        o.NumberOfLeaves = h.Int("numberOfLeaves");
        o.MinimumExampleCountPerLeaf = h.Int("minimumExampleCountPerLeaf");
        o.LearningRate = h.Double("learningRate");
        o.MaximumBinCountPerFeature = h.Int("maximumBinCountPerFeature");
        o.UseCategoricalSplit = false;
        o.Seed = seed;
        o.Booster = new GradientBooster.Options { L2Regularization = h.Double("l2Regularization") };
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return o;
    }

    private static LightGbmMulticlassTrainer.Options LightGbm(LightGbmMulticlassTrainer.Options o, HyperparameterValues h, string label, string features, int seed)
    {
        o.NumberOfIterations = h.Int("numberOfIterations");
        o.NumberOfLeaves = h.Int("numberOfLeaves");
        o.MinimumExampleCountPerLeaf = h.Int("minimumExampleCountPerLeaf");
        o.LearningRate = h.Double("learningRate");
        o.MaximumBinCountPerFeature = h.Int("maximumBinCountPerFeature");
        o.UseCategoricalSplit = false;
        o.Seed = seed;
        o.Booster = new GradientBooster.Options { L2Regularization = h.Double("l2Regularization") };
        o.LabelColumnName = label;
        o.FeatureColumnName = features;

        // Softmax over per-class scores whatever the row count (ML.NET picks one-versus-all below 50,000 rows otherwise).
        o.UseSoftmax = true;
        return o;
    }

    private static LightGbmRegressionTrainer.Options LightGbm(LightGbmRegressionTrainer.Options o, HyperparameterValues h, string label, string features, int seed)
    {
        o.NumberOfIterations = h.Int("numberOfIterations");
        o.NumberOfLeaves = h.Int("numberOfLeaves");
        o.MinimumExampleCountPerLeaf = h.Int("minimumExampleCountPerLeaf");
        o.LearningRate = h.Double("learningRate");
        o.MaximumBinCountPerFeature = h.Int("maximumBinCountPerFeature");
        o.UseCategoricalSplit = false;
        o.Seed = seed;
        o.Booster = new GradientBooster.Options { L2Regularization = h.Double("l2Regularization") };
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return o;
    }

    private static FastTreeBinaryTrainer.Options FastTree(FastTreeBinaryTrainer.Options o, HyperparameterValues h, string label, string features, int seed)
    {
        o.NumberOfTrees = h.Int("numberOfTrees");
        o.NumberOfLeaves = h.Int("numberOfLeaves");
        o.MinimumExampleCountPerLeaf = h.Int("minimumExampleCountPerLeaf");
        o.LearningRate = h.Double("learningRate");
        o.MaximumBinCountPerFeature = h.Int("maximumBinCountPerFeature");
        o.CategoricalSplit = false;
        o.Seed = seed;
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return o;
    }

    private static FastTreeRegressionTrainer.Options FastTree(FastTreeRegressionTrainer.Options o, HyperparameterValues h, string label, string features, int seed)
    {
        o.NumberOfTrees = h.Int("numberOfTrees");
        o.NumberOfLeaves = h.Int("numberOfLeaves");
        o.MinimumExampleCountPerLeaf = h.Int("minimumExampleCountPerLeaf");
        o.LearningRate = h.Double("learningRate");
        o.MaximumBinCountPerFeature = h.Int("maximumBinCountPerFeature");
        o.CategoricalSplit = false;
        o.Seed = seed;
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return o;
    }

    private static SdcaLogisticRegressionBinaryTrainer.Options Sdca(SdcaLogisticRegressionBinaryTrainer.Options o, HyperparameterValues h, string label, string features)
    {
        o.L2Regularization = h.OptionalFloat("l2Regularization");
        o.L1Regularization = h.OptionalFloat("l1Regularization");
        o.MaximumNumberOfIterations = h.OptionalInt("maximumNumberOfIterations");
        o.NumberOfThreads = 1;
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return o;
    }

    private static SdcaMaximumEntropyMulticlassTrainer.Options Sdca(SdcaMaximumEntropyMulticlassTrainer.Options o, HyperparameterValues h, string label, string features)
    {
        o.L2Regularization = h.OptionalFloat("l2Regularization");
        o.L1Regularization = h.OptionalFloat("l1Regularization");
        o.MaximumNumberOfIterations = h.OptionalInt("maximumNumberOfIterations");
        o.NumberOfThreads = 1;
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return o;
    }

    private static SdcaRegressionTrainer.Options Sdca(SdcaRegressionTrainer.Options o, HyperparameterValues h, string label, string features)
    {
        o.L2Regularization = h.OptionalFloat("l2Regularization");
        o.L1Regularization = h.OptionalFloat("l1Regularization");
        o.MaximumNumberOfIterations = h.OptionalInt("maximumNumberOfIterations");
        o.NumberOfThreads = 1;
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return o;
    }

    private static LbfgsLogisticRegressionBinaryTrainer.Options Lbfgs(LbfgsLogisticRegressionBinaryTrainer.Options o, HyperparameterValues h, string label, string features)
    {
        o.L1Regularization = h.Float("l1Regularization");
        o.L2Regularization = h.Float("l2Regularization");
        o.OptimizationTolerance = h.Float("optimizationTolerance");
        o.HistorySize = h.Int("historySize");
        o.MaximumNumberOfIterations = h.Int("maximumNumberOfIterations");
        o.NumberOfThreads = 1;
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return o;
    }

    private static LbfgsMaximumEntropyMulticlassTrainer.Options Lbfgs(LbfgsMaximumEntropyMulticlassTrainer.Options o, HyperparameterValues h, string label, string features)
    {
        o.L1Regularization = h.Float("l1Regularization");
        o.L2Regularization = h.Float("l2Regularization");
        o.OptimizationTolerance = h.Float("optimizationTolerance");
        o.HistorySize = h.Int("historySize");
        o.MaximumNumberOfIterations = h.Int("maximumNumberOfIterations");
        o.NumberOfThreads = 1;
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return o;
    }

    private static LbfgsPoissonRegressionTrainer.Options Lbfgs(LbfgsPoissonRegressionTrainer.Options o, HyperparameterValues h, string label, string features)
    {
        o.L1Regularization = h.Float("l1Regularization");
        o.L2Regularization = h.Float("l2Regularization");
        o.OptimizationTolerance = h.Float("optimizationTolerance");
        o.HistorySize = h.Int("historySize");
        o.MaximumNumberOfIterations = h.Int("maximumNumberOfIterations");
        o.NumberOfThreads = 1;
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return o;
    }
}
