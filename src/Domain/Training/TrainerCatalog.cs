using MLOps.Domain.Registry;

namespace MLOps.Domain.Training;

/// <summary>The trainers a recipe can name: every one of them is exported to ONNX with parity (see src/Training).</summary>
/// <remarks>
/// Defaults are written out rather than left to ML.NET or LightGBM so that a recipe means the same model
/// whichever library version runs it, and so the model card can record every value used.
/// </remarks>
public static class TrainerCatalog
{
    private static readonly HyperparameterSpec[] LightGbm =
    [
        new("numberOfIterations", HyperparameterType.Integer, 1, 10_000, 100, "Boosting rounds (trees per class)."),
        new("numberOfLeaves", HyperparameterType.Integer, 2, 131_072, 31, "Most leaves per tree."),
        new("minimumExampleCountPerLeaf", HyperparameterType.Integer, 1, 1_000_000, 20, "Fewest training rows in a leaf."),
        new("learningRate", HyperparameterType.Number, 0, 1, 0.1, "Shrinkage applied to each tree.", MinExclusive: true),
        new("l2Regularization", HyperparameterType.Number, 0, 1e6, 0.01, "L2 penalty on leaf values."),
        new("maximumBinCountPerFeature", HyperparameterType.Integer, 2, 65_535, 255, "Histogram bins per feature."),
    ];

    private static readonly HyperparameterSpec[] FastTree =
    [
        new("numberOfTrees", HyperparameterType.Integer, 1, 10_000, 100, "Boosting rounds."),
        new("numberOfLeaves", HyperparameterType.Integer, 2, 65_536, 20, "Most leaves per tree."),
        new("minimumExampleCountPerLeaf", HyperparameterType.Integer, 1, 1_000_000, 10, "Fewest training rows in a leaf."),
        new("learningRate", HyperparameterType.Number, 0, 1, 0.2, "Shrinkage applied to each tree.", MinExclusive: true),
        new("maximumBinCountPerFeature", HyperparameterType.Integer, 2, 65_535, 255, "Histogram bins per feature."),
    ];

    private static readonly HyperparameterSpec[] Sdca =
    [
        new("l2Regularization", HyperparameterType.Number, 0, 1e6, null, "L2 penalty; omitted, ML.NET chooses it from the data."),
        new("l1Regularization", HyperparameterType.Number, 0, 1e6, null, "L1 penalty; omitted, ML.NET chooses it from the data."),
        new("maximumNumberOfIterations", HyperparameterType.Integer, 1, 10_000, null, "Most passes over the data; omitted, ML.NET chooses."),
    ];

    private static readonly HyperparameterSpec[] Lbfgs =
    [
        new("l1Regularization", HyperparameterType.Number, 0, 1e6, 1, "L1 penalty."),
        new("l2Regularization", HyperparameterType.Number, 0, 1e6, 1, "L2 penalty."),
        new("optimizationTolerance", HyperparameterType.Number, 0, 1, 1e-7, "Stops when the relative improvement falls below it.", MinExclusive: true),
        new("historySize", HyperparameterType.Integer, 1, 1_000, 20, "Past gradients kept to approximate the Hessian."),
        new("maximumNumberOfIterations", HyperparameterType.Integer, 1, 1_000_000, 1_000, "Most optimizer iterations."),
    ];

    /// <summary>Every trainer, in the order documented.</summary>
    public static IReadOnlyList<TrainerDefinition> All { get; } =
    [
        new("lightgbm", ModelTask.BinaryClassification, TrainerFamily.Trees, "LightGBM gradient-boosted trees, Platt-calibrated probabilities.", LightGbm),
        new("fasttree", ModelTask.BinaryClassification, TrainerFamily.Trees, "FastTree gradient-boosted trees, Platt-calibrated probabilities.", FastTree),
        new("sdca-logistic", ModelTask.BinaryClassification, TrainerFamily.Linear, "Logistic regression by stochastic dual coordinate ascent.", Sdca),
        new("lbfgs-logistic", ModelTask.BinaryClassification, TrainerFamily.Linear, "Logistic regression by L-BFGS.", Lbfgs),
        new("lightgbm-multiclass", ModelTask.MulticlassClassification, TrainerFamily.Trees, "LightGBM multiclass trees (softmax over one tree per class and round).", LightGbm),
        new("lbfgs-multiclass", ModelTask.MulticlassClassification, TrainerFamily.Linear, "Maximum entropy (multinomial logistic regression) by L-BFGS.", Lbfgs),
        new("sdca-multiclass", ModelTask.MulticlassClassification, TrainerFamily.Linear, "Maximum entropy by stochastic dual coordinate ascent.", Sdca),
        new("lightgbm-regression", ModelTask.Regression, TrainerFamily.Trees, "LightGBM regression trees.", LightGbm),
        new("fasttree-regression", ModelTask.Regression, TrainerFamily.Trees, "FastTree regression trees.", FastTree),
        new("sdca-regression", ModelTask.Regression, TrainerFamily.Linear, "Linear regression (squared loss) by stochastic dual coordinate ascent.", Sdca),
        new("lbfgs-poisson", ModelTask.Regression, TrainerFamily.Linear, "Poisson regression by L-BFGS: predicts exp(w·x + b), for counts.", Lbfgs),
    ];

    public static TrainerDefinition? Find(string? id) =>
        id is null ? null : All.FirstOrDefault(t => string.Equals(t.Id, id, StringComparison.Ordinal));

    public static IEnumerable<TrainerDefinition> For(ModelTask task) => All.Where(t => t.Task == task);
}
