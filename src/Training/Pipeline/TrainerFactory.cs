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
/// SDCA and L-BFGS run on one thread, so the same seed gives the same weights; LightGBM multiclass always uses softmax over
/// per-class scores (ML.NET picks one-versus-all below 50,000 rows otherwise), the formula the exporter writes.
/// </remarks>
internal static class TrainerFactory
{
    public static IEstimator<ITransformer> Create(MLContext ml, TrainerDefinition trainer, HyperparameterValues h, string label, string features, int seed) =>
        trainer.Id switch
        {
            "lightgbm" => ml.BinaryClassification.Trainers.LightGbm(LightGbm(new LightGbmBinaryTrainer.Options(), h, label, features, seed)),
            "lightgbm-multiclass" => ml.MulticlassClassification.Trainers.LightGbm(LightGbm(new LightGbmMulticlassTrainer.Options { UseSoftmax = true }, h, label, features, seed)),
            "lightgbm-regression" => ml.Regression.Trainers.LightGbm(LightGbm(new LightGbmRegressionTrainer.Options(), h, label, features, seed)),
            "fasttree" => ml.BinaryClassification.Trainers.FastTree(FastTree(new FastTreeBinaryTrainer.Options(), h, label, features, seed)),
            "fasttree-regression" => ml.Regression.Trainers.FastTree(FastTree(new FastTreeRegressionTrainer.Options(), h, label, features, seed)),
            "sdca-logistic" => ml.BinaryClassification.Trainers.SdcaLogisticRegression((SdcaLogisticRegressionBinaryTrainer.Options)Sdca(new SdcaLogisticRegressionBinaryTrainer.Options(), h, label, features)),
            "sdca-multiclass" => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy((SdcaMaximumEntropyMulticlassTrainer.Options)Sdca(new SdcaMaximumEntropyMulticlassTrainer.Options(), h, label, features)),
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

    // One setter per family, written against the options base class the family's trainers share. The LightGBM, SDCA and
    // L-BFGS bases are nested in generic trainer bases, so their setters are generic over those (inferred at the call).
    // SDCA's classifier options derive from an intermediate base (BinaryOptionsBase, MulticlassOptions), which is what
    // the setter hands back, hence the casts above.

    private static TOptions LightGbm<TOptions, TOutput, TTransformer, TModel>(
        LightGbmTrainerBase<TOptions, TOutput, TTransformer, TModel>.OptionsBase o, HyperparameterValues h, string label, string features, int seed)
        where TOptions : LightGbmTrainerBase<TOptions, TOutput, TTransformer, TModel>.OptionsBase, new()
        where TTransformer : ISingleFeaturePredictionTransformer<TModel>
        where TModel : class
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
        return (TOptions)o;
    }

    private static TOptions FastTree<TOptions>(TOptions o, HyperparameterValues h, string label, string features, int seed)
        where TOptions : BoostedTreeOptions
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

    private static TOptions Sdca<TOptions, TTransformer, TModel>(
        SdcaTrainerBase<TOptions, TTransformer, TModel>.OptionsBase o, HyperparameterValues h, string label, string features)
        where TOptions : SdcaTrainerBase<TOptions, TTransformer, TModel>.OptionsBase, new()
        where TTransformer : ISingleFeaturePredictionTransformer<TModel>
        where TModel : class
    {
        o.L2Regularization = h.OptionalFloat("l2Regularization");
        o.L1Regularization = h.OptionalFloat("l1Regularization");
        o.MaximumNumberOfIterations = h.OptionalInt("maximumNumberOfIterations");
        o.NumberOfThreads = 1;
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return (TOptions)o;
    }

    private static TOptions Lbfgs<TOptions, TTransformer, TModel>(
        LbfgsTrainerBase<TOptions, TTransformer, TModel>.OptionsBase o, HyperparameterValues h, string label, string features)
        where TOptions : LbfgsTrainerBase<TOptions, TTransformer, TModel>.OptionsBase, new()
        where TTransformer : class, ISingleFeaturePredictionTransformer<TModel>
        where TModel : class
    {
        o.L1Regularization = h.Float("l1Regularization");
        o.L2Regularization = h.Float("l2Regularization");
        o.OptimizationTolerance = h.Float("optimizationTolerance");
        o.HistorySize = h.Int("historySize");
        o.MaximumNumberOfIterations = h.Int("maximumNumberOfIterations");
        o.NumberOfThreads = 1;
        o.LabelColumnName = label;
        o.FeatureColumnName = features;
        return (TOptions)o;
    }
}
