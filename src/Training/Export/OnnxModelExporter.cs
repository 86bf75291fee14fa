using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using MLOps.Domain.Features;
using MLOps.Domain.Registry;
using MLOps.Domain.Training;
using MLOps.Onnx;
using MLOps.Onnx.Protobuf;
using MLOps.Training.Pipeline;
using DataType = MLOps.Onnx.Protobuf.TensorProto.Types.DataType;

namespace MLOps.Training.Export;

/// <summary>
/// Writes a <see cref="TrainedModel"/> as one ONNX graph that takes the raw feature columns and repeats the training
/// pipeline: casts, imputation, one-hot encoding, min-max scaling, then the trees or the linear model.
/// </summary>
/// <remarks>
/// Our own exporter, built on <see cref="OnnxGraphBuilder"/> (ML.NET's converter is not the product path).
/// Outputs follow what the prediction API reads (src/Functions/Scoring/OutputPlan.cs): classifiers emit <c>label</c>
/// (int64 or string) first, then <c>probabilities</c> float [N,C]; regressors emit <c>variable</c> float [N,1].
/// Operators: ai.onnx.ml Imputer, OneHotEncoder, Scaler, LinearClassifier, LinearRegressor, TreeEnsembleRegressor;
/// core Cast, Concat, Flatten, Mul, Add, Sub, Sigmoid, Greater, Exp, Softmax, ArgMax, Gather.
/// </remarks>
public static class OnnxModelExporter
{
    private const string Ml = OnnxGraphBuilder.MlDomain;
    private const long N = OnnxGraphBuilder.Batch;
    private const string Features = "features";

    private static readonly JsonSerializerOptions Json = CreateJson();

    public static ExportedModel Export(TrainedModel model, string graphName = "model")
    {
        ArgumentNullException.ThrowIfNull(model);
        var recipe = model.Recipe;
        var graph = new OnnxGraphBuilder(graphName)
            .WithOpset(Ml, OnnxGraphBuilder.DefaultMlOpset)
            .WithMetadata("task", JsonNamingPolicy.CamelCase.ConvertName(model.Task.ToString()))
            .WithMetadata("trainer", model.Trainer.Id)
            .WithMetadata("recipe", JsonSerializer.Serialize(recipe, Json))
            .WithMetadata("feature_slots", JsonSerializer.Serialize(Enumerable.Range(0, model.Layout.Width).Select(model.Layout.SlotName), Json));
        if (model.ClassLabels.Count > 0)
        {
            graph.WithMetadata("class_labels", JsonSerializer.Serialize(model.ClassLabels, Json));
        }

        foreach (var feature in recipe.Features)
        {
            graph.AddInput(feature.Name, ElementType(feature.InputType), N, 1);
        }

        var vector = FeatureVector(graph, model.Layout);
        if (model.NormalizerScale is { } scale)
        {
            graph.AddNode("Scaler", [vector], ["features_scaled"], Ml,
                OnnxAttribute.Floats("offset", model.NormalizerOffset!),
                OnnxAttribute.Floats("scale", scale));
            vector = "features_scaled";
        }

        var width = model.Layout.Width;
        switch (model.Task)
        {
            case ModelTask.BinaryClassification:
                Binary(graph, model, vector, width);
                break;
            case ModelTask.MulticlassClassification:
                Multiclass(graph, model, vector, width);
                break;
            default:
                Regression(graph, model, vector, width);
                break;
        }

        return new ExportedModel(graph.Build(), recipe.ToFeatureSchema(), model.Task, model.ClassLabels);
    }

    /// <summary>Builds the [N, width] float feature vector in <see cref="FeatureLayout"/> order; returns its name.</summary>
    private static string FeatureVector(OnnxGraphBuilder graph, FeatureLayout layout)
    {
        var parts = new List<string>();
        if (layout.Numeric.Count > 0)
        {
            var floats = new List<string>();
            foreach (var slot in layout.Numeric)
            {
                var input = slot.Feature.Name;
                if (slot.Feature.InputType == FeatureType.Float)
                {
                    floats.Add(input);
                    continue;
                }

                // ML.NET converts double, integers and booleans to float the same way (round to nearest; true = 1).
                var cast = $"{input}__float";
                graph.AddNode("Cast", [input], [cast], attributes: OnnxAttribute.Int("to", (long)DataType.Float));
                floats.Add(cast);
            }

            graph.AddNode("Concat", floats.ToArray(), ["numeric"], attributes: OnnxAttribute.Int("axis", 1));
            var numeric = "numeric";
            if (layout.Numeric.Any(s => s.Fill is not null))
            {
                // Slots without a fill keep NaN, as in training (where a missing value there is refused).
                graph.AddNode("Imputer", [numeric], ["numeric_imputed"], Ml,
                    OnnxAttribute.Floats("imputed_value_floats", layout.Numeric.Select(s => s.Fill ?? float.NaN)),
                    OnnxAttribute.Float("replaced_value_float", float.NaN));
                numeric = "numeric_imputed";
            }

            parts.Add(numeric);
        }

        for (var i = 0; i < layout.Categorical.Count; i++)
        {
            var block = layout.Categorical[i];
            var input = block.Feature.Name;
            var c = block.Categories.Count;

            // OneHotEncoder adds an axis ([N,1] -> [N,1,C]); unknown and empty values encode as zeros, as ML.NET's key mapping does.
            graph.AddNode("OneHotEncoder", [input], [$"onehot_{i}_3d"], Ml,
                OnnxAttribute.Strings("cats_strings", block.Categories),
                OnnxAttribute.Int("zeros", 1));
            graph.AddNode("Flatten", [$"onehot_{i}_3d"], [$"onehot_{i}"], attributes: OnnxAttribute.Int("axis", 1));
            var encoded = $"onehot_{i}";

            var fillIndex = block.Fill is null ? -1 : IndexOf(block.Categories, block.Fill);
            if (fillIndex >= 0)
            {
                // Imputation: an empty value becomes the fill category, i.e. its one-hot row e_k is added where the value is "".
                graph.AddNode("OneHotEncoder", [input], [$"missing_{i}_3d"], Ml,
                    OnnxAttribute.Strings("cats_strings", [string.Empty]),
                    OnnxAttribute.Int("zeros", 1));
                graph.AddNode("Flatten", [$"missing_{i}_3d"], [$"missing_{i}"], attributes: OnnxAttribute.Int("axis", 1));
                var unit = new float[c];
                unit[fillIndex] = 1f;
                graph.AddInitializer($"fill_{i}", unit, 1, c);
                graph.AddNode("Mul", [$"missing_{i}", $"fill_{i}"], [$"fill_{i}_rows"]);
                graph.AddNode("Add", [encoded, $"fill_{i}_rows"], [$"onehot_{i}_imputed"]);
                encoded = $"onehot_{i}_imputed";
            }

            parts.Add(encoded);
        }

        graph.AddNode("Concat", parts.ToArray(), [Features], attributes: OnnxAttribute.Int("axis", 1));
        return Features;
    }

    private static void Binary(OnnxGraphBuilder graph, TrainedModel model, string vector, int width)
    {
        RegressionTreeEnsemble? ensemble = null;
        PlattCalibrator calibrator;
        LinearBinaryModelParameters? linear = null;
        if (model.Trainer.Family == TrainerFamily.Trees)
        {
            (ensemble, calibrator) = TreeEnsembleReader.Binary(model.Parameters);
        }
        else
        {
            var calibrated = model.Parameters as CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>
                ?? throw new NotSupportedException($"The exporter does not know model parameters of type {model.Parameters.GetType().Name}.");
            (linear, calibrator) = (calibrated.SubModel, calibrated.Calibrator);
        }

        if (linear is not null && calibrator.Slope == -1 && calibrator.Offset == 0)
        {
            // p = sigmoid(w·x + b): one coefficient row with LOGISTIC gives [1 - p, p] and label 1 when w·x + b > 0.
            graph.AddNode("LinearClassifier", [vector], ["label", "probabilities"], Ml,
                OnnxAttribute.Floats("coefficients", Weights(linear.Weights, width)),
                OnnxAttribute.Floats("intercepts", linear.Bias),
                OnnxAttribute.Ints("classlabels_ints", 0L, 1L),
                OnnxAttribute.String("post_transform", "LOGISTIC"));
            graph.AddOutput("label", DataType.Int64, N);
            graph.AddOutput("probabilities", DataType.Float, N, 2);
            return;
        }

        // score -> p = 1 / (1 + exp(slope·score + offset)) = sigmoid(-slope·score - offset); label = score > 0, as ML.NET decides it.
        if (ensemble is not null)
        {
            TreeRegressor(graph, vector, "score", [ensemble], width);
        }
        else
        {
            graph.AddNode("LinearRegressor", [vector], ["score"], Ml,
                OnnxAttribute.Floats("coefficients", Weights(linear!.Weights, width)),
                OnnxAttribute.Floats("intercepts", linear.Bias),
                OnnxAttribute.Int("targets", 1));
        }

        graph.AddInitializer("calibrator_slope", [(float)-calibrator.Slope], 1)
            .AddInitializer("calibrator_offset", [(float)-calibrator.Offset], 1)
            .AddInitializer("zero", [0f], 1)
            .AddInitializer("one", [1f], 1)
            .AddNode("Mul", ["score", "calibrator_slope"], ["logit_scaled"])
            .AddNode("Add", ["logit_scaled", "calibrator_offset"], ["logit"])
            .AddNode("Sigmoid", ["logit"], ["p_positive"])
            .AddNode("Sub", ["one", "p_positive"], ["p_negative"])
            .AddNode("Concat", ["p_negative", "p_positive"], ["probabilities"], attributes: OnnxAttribute.Int("axis", 1))
            .AddNode("Greater", ["score", "zero"], ["is_positive"])
            .AddNode("Cast", ["is_positive"], ["label"], attributes: OnnxAttribute.Int("to", (long)DataType.Int64))
            .AddOutput("label", DataType.Int64, N, 1)
            .AddOutput("probabilities", DataType.Float, N, 2);
    }

    private static void Multiclass(OnnxGraphBuilder graph, TrainedModel model, string vector, int width)
    {
        var classes = model.ClassLabels;
        var labelType = model.ClassLabelsAreIntegers ? DataType.Int64 : DataType.String;
        if (model.Trainer.Family == TrainerFamily.Linear)
        {
            var maxEnt = model.Parameters as MaximumEntropyModelParameters
                ?? throw new NotSupportedException($"The exporter does not know model parameters of type {model.Parameters.GetType().Name}.");
            VBuffer<float>[] weights = [];
            maxEnt.GetWeights(ref weights, out var count);
            var biases = maxEnt.GetBiases().ToArray();
            if (count != classes.Count || biases.Length != classes.Count)
            {
                throw new InvalidOperationException($"The model has {count} weight rows and {biases.Length} biases for {classes.Count} classes.");
            }

            var coefficients = weights.SelectMany(w => Dense(w, width)).ToArray();
            var labels = model.ClassLabelsAreIntegers
                ? OnnxAttribute.Ints("classlabels_ints", classes.Select(long.Parse))
                : OnnxAttribute.Strings("classlabels_strings", classes);
            graph.AddNode("LinearClassifier", [vector], ["label", "probabilities"], Ml,
                OnnxAttribute.Floats("coefficients", coefficients),
                OnnxAttribute.Floats("intercepts", biases),
                labels,
                OnnxAttribute.String("post_transform", "SOFTMAX"));
            graph.AddOutput("label", labelType, N);
            graph.AddOutput("probabilities", DataType.Float, N, classes.Count);
            return;
        }

        // One ensemble per class -> class scores [N,C] -> softmax; the label is the class of the largest score.
        var ensembles = TreeEnsembleReader.Multiclass(model.Parameters);
        if (ensembles.Count != classes.Count)
        {
            throw new InvalidOperationException($"The model has {ensembles.Count} class ensembles for {classes.Count} classes.");
        }

        TreeRegressor(graph, vector, "class_scores", ensembles, width);
        graph.AddInitializer(labelType == DataType.Int64
            ? OnnxTensor.Int64("class_labels", classes.Select(long.Parse).ToArray(), classes.Count)
            : OnnxTensor.String("class_labels", classes.ToList(), classes.Count));
        graph.AddNode("Softmax", ["class_scores"], ["probabilities"], attributes: OnnxAttribute.Int("axis", -1))
            .AddNode("ArgMax", ["class_scores"], ["class_index"], attributes: [OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0)])
            .AddNode("Gather", ["class_labels", "class_index"], ["label"], attributes: OnnxAttribute.Int("axis", 0))
            .AddOutput("label", labelType, N)
            .AddOutput("probabilities", DataType.Float, N, classes.Count);
    }

    private static void Regression(OnnxGraphBuilder graph, TrainedModel model, string vector, int width)
    {
        switch (model.Parameters)
        {
            case PoissonRegressionModelParameters poisson:
                // ML.NET's Poisson regression predicts exp(w·x + b).
                graph.AddNode("LinearRegressor", [vector], ["log_value"], Ml,
                    OnnxAttribute.Floats("coefficients", Weights(poisson.Weights, width)),
                    OnnxAttribute.Floats("intercepts", poisson.Bias),
                    OnnxAttribute.Int("targets", 1));
                graph.AddNode("Exp", ["log_value"], ["variable"]);
                break;
            case LinearRegressionModelParameters linear:
                graph.AddNode("LinearRegressor", [vector], ["variable"], Ml,
                    OnnxAttribute.Floats("coefficients", Weights(linear.Weights, width)),
                    OnnxAttribute.Floats("intercepts", linear.Bias),
                    OnnxAttribute.Int("targets", 1));
                break;
            default:
                TreeRegressor(graph, vector, "variable", [TreeEnsembleReader.Regression(model.Parameters)], width);
                break;
        }

        graph.AddOutput("variable", DataType.Float, N, 1);
    }

    /// <summary>
    /// One TreeEnsembleRegressor whose target t sums ensemble t: per tree, internal node i keeps id i
    /// (BRANCH_LEQ: x[feature] &lt;= threshold goes to the true branch, as ML.NET's splits go left), leaf j gets id
    /// nodeCount + j and carries its value times the tree's weight; each ensemble's bias is its target's base value.
    /// </summary>
    private static void TreeRegressor(OnnxGraphBuilder graph, string input, string output, IReadOnlyList<RegressionTreeEnsemble> ensembles, int width)
    {
        var nodeTrees = new List<long>();
        var nodeIds = new List<long>();
        var features = new List<long>();
        var thresholds = new List<float>();
        var modes = new List<string>();
        var trueIds = new List<long>();
        var falseIds = new List<long>();
        var targetTrees = new List<long>();
        var targetNodes = new List<long>();
        var targetIds = new List<long>();
        var targetWeights = new List<float>();
        var bases = new List<float>();
        long treeId = 0;

        for (var target = 0; target < ensembles.Count; target++)
        {
            var ensemble = ensembles[target];
            bases.Add((float)ensemble.Bias);
            for (var t = 0; t < ensemble.Trees.Count; t++, treeId++)
            {
                var tree = ensemble.Trees[t];
                var weight = ensemble.TreeWeights[t];
                var internalNodes = tree.NumberOfNodes;
                if (tree.CategoricalSplitFlags.Any(f => f))
                {
                    throw new NotSupportedException("A tree uses a categorical split; the trainer is configured without them, so this model cannot be exported.");
                }

                long Child(int child) => child < 0 ? internalNodes + ~child : child;
                for (var i = 0; i < internalNodes; i++)
                {
                    var feature = tree.NumericalSplitFeatureIndexes[i];
                    if (feature < 0 || feature >= width)
                    {
                        throw new InvalidOperationException($"Tree {t} splits on slot {feature} of a {width}-slot feature vector.");
                    }

                    nodeTrees.Add(treeId);
                    nodeIds.Add(i);
                    features.Add(feature);
                    thresholds.Add(tree.NumericalSplitThresholds[i]);
                    modes.Add("BRANCH_LEQ");
                    trueIds.Add(Child(tree.LeftChild[i]));
                    falseIds.Add(Child(tree.RightChild[i]));
                }

                for (var leaf = 0; leaf < tree.NumberOfLeaves; leaf++)
                {
                    nodeTrees.Add(treeId);
                    nodeIds.Add(internalNodes + leaf);
                    features.Add(0);
                    thresholds.Add(0);
                    modes.Add("LEAF");
                    trueIds.Add(0);
                    falseIds.Add(0);
                    targetTrees.Add(treeId);
                    targetNodes.Add(internalNodes + leaf);
                    targetIds.Add(target);
                    targetWeights.Add((float)(tree.LeafValues[leaf] * weight));
                }
            }
        }

        graph.AddNode("TreeEnsembleRegressor", [input], [output], Ml,
            OnnxAttribute.Int("n_targets", ensembles.Count),
            OnnxAttribute.String("aggregate_function", "SUM"),
            OnnxAttribute.String("post_transform", "NONE"),
            OnnxAttribute.Floats("base_values", bases),
            OnnxAttribute.Ints("nodes_treeids", nodeTrees),
            OnnxAttribute.Ints("nodes_nodeids", nodeIds),
            OnnxAttribute.Ints("nodes_featureids", features),
            OnnxAttribute.Floats("nodes_values", thresholds),
            OnnxAttribute.Strings("nodes_modes", modes),
            OnnxAttribute.Ints("nodes_truenodeids", trueIds),
            OnnxAttribute.Ints("nodes_falsenodeids", falseIds),
            OnnxAttribute.Ints("target_treeids", targetTrees),
            OnnxAttribute.Ints("target_nodeids", targetNodes),
            OnnxAttribute.Ints("target_ids", targetIds),
            OnnxAttribute.Floats("target_weights", targetWeights));
    }

    private static float[] Weights(IReadOnlyList<float> weights, int width) =>
        weights.Count == width
            ? weights.ToArray()
            : throw new InvalidOperationException($"The model has {weights.Count} weights for a {width}-slot feature vector.");

    private static float[] Dense(VBuffer<float> vector, int width)
    {
        if (vector.Length != width)
        {
            throw new InvalidOperationException($"A weight row has {vector.Length} values for a {width}-slot feature vector.");
        }

        return vector.DenseValues().ToArray();
    }

    private static int IndexOf(IReadOnlyList<string> categories, string value)
    {
        for (var i = 0; i < categories.Count; i++)
        {
            if (string.Equals(categories[i], value, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static DataType ElementType(FeatureType type) => type switch
    {
        FeatureType.Float => DataType.Float,
        FeatureType.Double => DataType.Double,
        FeatureType.Int32 => DataType.Int32,
        FeatureType.Int64 => DataType.Int64,
        FeatureType.Bool => DataType.Bool,
        _ => DataType.String,
    };

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }
}
