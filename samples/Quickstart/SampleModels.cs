using System.Text.Json;
using MLOps.Onnx;
using DataType = MLOps.Onnx.Protobuf.TensorProto.Types.DataType;

namespace MLOps.Samples;

/// <summary>Small ONNX models built in code, with their registration metadata, so samples and tests need no downloads.</summary>
/// <remarks>
/// Each model also has its math written out in plain C# (<see cref="ChurnProbability"/>, <see cref="HousePrice"/>,
/// <see cref="IrisProbabilities"/>), so a test can check what ONNX Runtime returns against an independent answer.
/// </remarks>
public static class SampleModels
{
    private const string Ml = OnnxGraphBuilder.MlDomain;
    private const long N = OnnxGraphBuilder.Batch;

    /// <summary>Plan categories of the churn model, in one-hot order.</summary>
    public static IReadOnlyList<string> Plans { get; } = ["basic", "pro", "enterprise"];

    /// <summary>Names of the iris model's classes 0, 1 and 2.</summary>
    public static IReadOnlyList<string> IrisClasses { get; } = ["setosa", "versicolor", "virginica"];

    /// <summary>City categories of the house price model, in one-hot order.</summary>
    public static IReadOnlyList<string> Cities { get; } = ["austin", "boston", "denver"];

    // Churn: numeric features [age, tenure, charges, support] go through Scaler as (x - offset) * scale,
    // which centres them (support {0,1} becomes {-1,1}); then the plan one-hot [basic, pro, enterprise].
    private static readonly float[] ChurnOffsets = [45f, 24f, 70f, 0.5f];
    private static readonly float[] ChurnScales = [1f / 15f, 1f / 24f, 1f / 40f, 2f];
    private static readonly float[] ChurnWeights = [0.2f, -1.1f, 0.9f, -0.6f, 0.4f, 0f, -0.8f];
    private const float ChurnBias = -0.7f;

    private static readonly float[] HouseWeights = [150f, 10_000f, 20_000f, 120_000f, 60_000f];
    private const float HouseBias = 50_000f;

    // Iris: one row of weights per class (setosa, versicolor, virginica), close to a multinomial logistic regression fit.
    private static readonly float[] IrisWeights =
    [
        -0.42f, 0.97f, -2.52f, -1.08f,
        0.53f, -0.32f, -0.21f, -0.94f,
        -0.11f, -0.65f, 2.73f, 2.02f,
    ];

    private static readonly float[] IrisBiases = [9.85f, 2.24f, -12.09f];

    /// <summary>
    /// A binary churn classifier taking one [N,1] input per feature: age float, tenure_months int64,
    /// monthly_charges double, plan string (basic, pro, enterprise; others count as none), has_support bool.
    /// Outputs label int64 [N] (1 = churns) and probabilities float [N,2] ([P(stay), P(churn)]).
    /// </summary>
    /// <remarks>
    /// LinearClassifier gets ONE coefficient row with LOGISTIC: ONNX Runtime then writes [1 - p, p] with
    /// p = sigmoid(w·x + b) and label 1 when w·x + b > 0. (With SOFTMAX or NONE it writes the raw [-z, z] instead.)
    /// </remarks>
    public static byte[] ChurnClassifier() =>
        new OnnxGraphBuilder("churn")
            .WithOpset(Ml, OnnxGraphBuilder.DefaultMlOpset)
            .WithMetadata("task", "binaryClassification")
            .AddInput("age", DataType.Float, N, 1)
            .AddInput("tenure_months", DataType.Int64, N, 1)
            .AddInput("monthly_charges", DataType.Double, N, 1)
            .AddInput("plan", DataType.String, N, 1)
            .AddInput("has_support", DataType.Bool, N, 1)
            .AddNode("Cast", ["tenure_months"], ["tenure_f"], "", OnnxAttribute.Int("to", (int)DataType.Float))
            .AddNode("Cast", ["monthly_charges"], ["charges_f"], "", OnnxAttribute.Int("to", (int)DataType.Float))
            .AddNode("Cast", ["has_support"], ["support_f"], "", OnnxAttribute.Int("to", (int)DataType.Float))
            .AddNode("Concat", ["age", "tenure_f", "charges_f", "support_f"], ["numeric"], "", OnnxAttribute.Int("axis", 1))
            .AddNode("Scaler", ["numeric"], ["numeric_scaled"], Ml, OnnxAttribute.Floats("offset", ChurnOffsets), OnnxAttribute.Floats("scale", ChurnScales))
            // OneHotEncoder appends the category axis: [N,1] in gives [N,1,3] out, so flatten it to [N,3].
            .AddNode("OneHotEncoder", ["plan"], ["plan_onehot_3d"], Ml, OnnxAttribute.Strings("cats_strings", Plans), OnnxAttribute.Int("zeros", 1))
            .AddNode("Flatten", ["plan_onehot_3d"], ["plan_onehot"], "", OnnxAttribute.Int("axis", 1))
            .AddNode("Concat", ["numeric_scaled", "plan_onehot"], ["features"], "", OnnxAttribute.Int("axis", 1))
            .AddNode(
                "LinearClassifier",
                ["features"],
                ["label", "probabilities"],
                Ml,
                OnnxAttribute.Floats("coefficients", ChurnWeights),
                OnnxAttribute.Floats("intercepts", ChurnBias),
                OnnxAttribute.Ints("classlabels_ints", 0, 1),
                OnnxAttribute.String("post_transform", "LOGISTIC"))
            .AddOutput("label", DataType.Int64, N)
            .AddOutput("probabilities", DataType.Float, N, 2)
            .Build();

    /// <summary>P(churn) as <see cref="ChurnClassifier"/> computes it, in plain C# (ONNX Runtime agrees within float rounding).</summary>
    public static double ChurnProbability(float age, long tenureMonths, double monthlyCharges, string plan, bool hasSupport)
    {
        // The model casts every numeric input to float before scaling; do the same so the answers match.
        float[] numeric = [age, tenureMonths, (float)monthlyCharges, hasSupport ? 1f : 0f];
        double z = ChurnBias;
        for (var i = 0; i < numeric.Length; i++)
        {
            z += ChurnWeights[i] * ((numeric[i] - ChurnOffsets[i]) * ChurnScales[i]);
        }

        var planIndex = IndexOf(Plans, plan);
        if (planIndex >= 0)
        {
            z += ChurnWeights[numeric.Length + planIndex];
        }

        return 1 / (1 + Math.Exp(-z));
    }

    /// <summary>Registration metadata for <see cref="ChurnClassifier"/>.</summary>
    /// <param name="datasetSha256">SHA-256 of the training CSV; by default that of <see cref="SampleData.ChurnCsv"/> with its defaults, which the quickstart writes.</param>
    public static string ChurnMetadataJson(string? datasetSha256 = null) => Serialize(new
    {
        description = "Sample churn classifier (hand-set logistic regression) from the quickstart.",
        tags = SampleTags,
        task = "binaryClassification",
        metrics = new Dictionary<string, double> { ["auc"] = 0.87 },
        features = new object[]
        {
            new { name = "age", type = "float", min = 18, max = 100 },
            new { name = "tenure_months", type = "int64", min = 0, max = 120 },
            new { name = "monthly_charges", type = "double", min = 0, max = 500 },
            new { name = "plan", type = "string", categories = Plans },
            new { name = "has_support", type = "bool" },
        },
        lineage = new
        {
            datasetUri = "file:samples/out/churn.csv",
            datasetSha256 = datasetSha256 ?? SampleData.DefaultChurnCsvSha256,
            trainingParameters = new { trainer = "hand-set logistic" },
            codeVersion = "sample",
        },
    });

    /// <summary>
    /// A regression model: sqft float [N,1], bedrooms int64 [N,1], city string [N,1] (austin, boston, denver;
    /// others add nothing) to price float [N,1].
    /// </summary>
    public static byte[] HousePriceRegressor() =>
        new OnnxGraphBuilder("house_price")
            .WithOpset(Ml, OnnxGraphBuilder.DefaultMlOpset)
            .WithMetadata("task", "regression")
            .AddInput("sqft", DataType.Float, N, 1)
            .AddInput("bedrooms", DataType.Int64, N, 1)
            .AddInput("city", DataType.String, N, 1)
            .AddNode("Cast", ["bedrooms"], ["bedrooms_f"], "", OnnxAttribute.Int("to", (int)DataType.Float))
            .AddNode("OneHotEncoder", ["city"], ["city_onehot_3d"], Ml, OnnxAttribute.Strings("cats_strings", Cities), OnnxAttribute.Int("zeros", 1))
            .AddNode("Flatten", ["city_onehot_3d"], ["city_onehot"], "", OnnxAttribute.Int("axis", 1))
            .AddNode("Concat", ["sqft", "bedrooms_f", "city_onehot"], ["features"], "", OnnxAttribute.Int("axis", 1))
            .AddNode("LinearRegressor", ["features"], ["price"], Ml, OnnxAttribute.Floats("coefficients", HouseWeights), OnnxAttribute.Floats("intercepts", HouseBias))
            .AddOutput("price", DataType.Float, N, 1)
            .Build();

    /// <summary>The price <see cref="HousePriceRegressor"/> computes, in plain C#.</summary>
    public static double HousePrice(float sqft, long bedrooms, string city)
    {
        double price = HouseBias + (HouseWeights[0] * sqft) + (HouseWeights[1] * bedrooms);
        var cityIndex = IndexOf(Cities, city);
        return cityIndex >= 0 ? price + HouseWeights[2 + cityIndex] : price;
    }

    /// <summary>Registration metadata for <see cref="HousePriceRegressor"/>.</summary>
    public static string HousePriceMetadataJson() => Serialize(new
    {
        description = "Sample house price regressor (hand-set linear regression).",
        tags = SampleTags,
        task = "regression",
        metrics = new Dictionary<string, double> { ["rmse"] = 41_250, ["r2"] = 0.81 },
        features = new object[]
        {
            new { name = "sqft", type = "float", min = 100, max = 20_000 },
            new { name = "bedrooms", type = "int64", min = 0, max = 20 },
            new { name = "city", type = "string", categories = Cities },
        },
        lineage = new
        {
            trainingParameters = new { trainer = "hand-set linear" },
            codeVersion = "sample",
        },
    });

    /// <summary>
    /// A multiclass model in the "single packed input" form: float_input float [N,4] (sepal length, sepal width,
    /// petal length, petal width); outputs label int64 [N] (0, 1, 2) and probabilities float [N,3].
    /// </summary>
    public static byte[] PackedIrisClassifier() =>
        new OnnxGraphBuilder("iris")
            .WithOpset(Ml, OnnxGraphBuilder.DefaultMlOpset)
            .WithMetadata("task", "multiclassClassification")
            .AddInput("float_input", DataType.Float, N, 4)
            .AddNode(
                "LinearClassifier",
                ["float_input"],
                ["label", "probabilities"],
                Ml,
                OnnxAttribute.Floats("coefficients", IrisWeights),
                OnnxAttribute.Floats("intercepts", IrisBiases),
                OnnxAttribute.Ints("classlabels_ints", 0, 1, 2),
                OnnxAttribute.String("post_transform", "SOFTMAX"))
            .AddOutput("label", DataType.Int64, N)
            .AddOutput("probabilities", DataType.Float, N, 3)
            .Build();

    /// <summary>The class probabilities <see cref="PackedIrisClassifier"/> computes for one row, in plain C#.</summary>
    public static double[] IrisProbabilities(float sepalLength, float sepalWidth, float petalLength, float petalWidth)
    {
        float[] x = [sepalLength, sepalWidth, petalLength, petalWidth];
        var scores = new double[IrisBiases.Length];
        for (var c = 0; c < scores.Length; c++)
        {
            scores[c] = IrisBiases[c];
            for (var f = 0; f < x.Length; f++)
            {
                scores[c] += IrisWeights[(c * x.Length) + f] * x[f];
            }
        }

        var max = scores.Max();
        var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }

    /// <summary>
    /// Registration metadata for <see cref="PackedIrisClassifier"/>: four float features packed in order into
    /// float_input, and <see cref="IrisClasses"/> as the names of its classes.
    /// </summary>
    public static string PackedIrisMetadataJson() => Serialize(new
    {
        description = "Sample iris classifier with one packed input (hand-set multinomial logistic regression).",
        tags = SampleTags,
        task = "multiclassClassification",
        metrics = new Dictionary<string, double> { ["accuracy"] = 0.96 },
        input = "float_input",
        // The model's labels are 0, 1, 2; these name them in predictions.
        classLabels = IrisClasses,
        features = new object[]
        {
            new { name = "sepal_length", type = "float", min = 0, max = 10 },
            new { name = "sepal_width", type = "float", min = 0, max = 10 },
            new { name = "petal_length", type = "float", min = 0, max = 10 },
            new { name = "petal_width", type = "float", min = 0, max = 10 },
        },
        lineage = new
        {
            trainingParameters = new { trainer = "hand-set multinomial logistic" },
            codeVersion = "sample",
        },
    });

    /// <summary>
    /// A non-tabular model for the V2 tensor API, with inputs of three element types: pixels uint8 [N,4],
    /// scale double [N,1], ids int32 [N,2]; outputs features float [N,4] = float(pixels) × float(scale)
    /// and id_sum int64 [N,1] = the row's sum of ids. Core operators only.
    /// </summary>
    public static byte[] MultiInputTyped() =>
        new OnnxGraphBuilder("multi_input")
            .AddInput("pixels", DataType.Uint8, N, 4)
            .AddInput("scale", DataType.Double, N, 1)
            .AddInput("ids", DataType.Int32, N, 2)
            .AddInitializer("sum_axes", [1L], 1)
            .AddNode("Cast", ["pixels"], ["pixels_f"], "", OnnxAttribute.Int("to", (int)DataType.Float))
            .AddNode("Cast", ["scale"], ["scale_f"], "", OnnxAttribute.Int("to", (int)DataType.Float))
            .AddNode("Mul", ["pixels_f", "scale_f"], ["features"])
            // Widen before summing so large ids cannot overflow int32.
            .AddNode("Cast", ["ids"], ["ids_64"], "", OnnxAttribute.Int("to", (int)DataType.Int64))
            .AddNode("ReduceSum", ["ids_64", "sum_axes"], ["id_sum"], "", OnnxAttribute.Int("keepdims", 1))
            .AddOutput("features", DataType.Float, N, 4)
            .AddOutput("id_sum", DataType.Int64, N, 1)
            .Build();

    /// <summary>Registration metadata for <see cref="MultiInputTyped"/>: no features, as it is served through the V2 tensor API only.</summary>
    public static string MultiInputTypedMetadataJson() => Serialize(new
    {
        description = "Sample non-tabular model with uint8, double and int32 inputs, for the V2 tensor API.",
        tags = SampleTags,
        lineage = new { codeVersion = "sample" },
    });

    private static Dictionary<string, string> SampleTags => new(StringComparer.Ordinal) { ["team"] = "growth", ["sample"] = "true" };

    private static string Serialize(object metadata) => JsonSerializer.Serialize(metadata);

    private static int IndexOf(IReadOnlyList<string> values, string value)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (string.Equals(values[i], value, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
