using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Functions.Configuration;
using MLOps.Functions.Http.Contracts;
using MLOps.Functions.Registry;
using MLOps.Functions.Scoring;
using MLOps.Functions.Storage;
using MLOps.Onnx;
using MLOps.Samples;
using MLOps.Onnx.Protobuf;
using DataType = MLOps.Onnx.Protobuf.TensorProto.Types.DataType;

namespace MLOps.Functions.Tests.Scoring;

/// <summary>Single rows scored through reused, pre-bound tensors get the answers a batch run gives, and models that cannot be bound still get theirs.</summary>
public sealed class RowBindingTests : IDisposable
{
    private readonly Scorer _scorer = new();
    private readonly List<ModelSession> _loaded = [];

    public void Dispose()
    {
        foreach (var session in _loaded.Where(s => !s.IsDisposed))
        {
            session.Release();
        }
    }

    /// <summary>A session the way the cache loads one; released when the test ends unless the test released it.</summary>
    private ModelSession Load(byte[] artifact, string metadataJson)
    {
        var request = JsonSerializer.Deserialize<VersionMetadataRequest>(metadataJson, JsonDefaults.Options)!;
        var version = new ModelVersion
        {
            Model = "m",
            Version = 1,
            Status = ModelVersionStatus.Active,
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(artifact)),
            SizeBytes = artifact.Length,
            ArtifactPath = "m/1.onnx",
            CreatedAt = DateTimeOffset.UnixEpoch,
            CreatedBy = "test",
            Signature = ModelRegistration.Inspect(artifact),
            Metadata = request.ToDomain(),
        };
        using var options = ModelSessionCache.CreateSessionOptions(new PredictionOptions());
        var session = new ModelSession(version, new InferenceSession(artifact, options));
        _loaded.Add(session);
        return session;
    }

    private static FeatureBatch Parse(ModelSession session, IEnumerable<object> records)
    {
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(records));
        return RecordBatchParser.Parse(document.RootElement, session.Version.Features!, 1000);
    }

    private static List<Dictionary<string, object>> ChurnRecords(int rows, int seed) => SampleData.ChurnRows(rows, seed).Select(SampleData.ToRecord).ToList();

    [Fact]
    public void Score_ChurnRowsOneByOne_UseTheBoundTensorsAndMatchTheModelAndTheBatchRun()
    {
        var session = Load(SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        Assert.NotNull(session.RowBindings);
        var rows = SampleData.ChurnRows(200, seed: 7).ToList();
        var records = rows.Select(SampleData.ToRecord).ToList();
        var batch = _scorer.Score(session, Parse(session, records));
        Assert.Equal(0, session.RowBindings.Available);

        for (var i = 0; i < rows.Count; i++)
        {
            var alone = _scorer.Score(session, Parse(session, [records[i]]));

            // A bound run leaves its binding in the pool; the general path would not have made one.
            Assert.Equal(1, session.RowBindings.Available);
            Assert.Equal(1, alone.Rows);
            Assert.Equal(batch.ClassNames, alone.ClassNames);
            Assert.Equal(batch.IntLabels![i], Assert.Single(alone.IntLabels!));
            Assert.Equal(2, alone.Probabilities!.Length);
            Assert.Equal(batch.Probabilities![2 * i], alone.Probabilities[0], 1e-6f);
            Assert.Equal(batch.Probabilities[(2 * i) + 1], alone.Probabilities[1], 1e-6f);

            // And right, not only consistent: the model's own formula in plain C#.
            var row = rows[i];
            Assert.Equal(SampleModels.ChurnProbability(row.Age, row.TenureMonths, row.MonthlyCharges, row.Plan, row.HasSupport), alone.Probabilities[1], 1e-5);
        }
    }

    [Fact]
    public void Score_CategoryAsSchemaInstanceOrOtherString_IsWrittenIntoTheBoundStringTensor()
    {
        var session = Load(SampleModels.HousePriceRegressor(), SampleModels.HousePriceMetadataJson());
        Assert.NotNull(session.RowBindings);
        // Parsed records carry the schema's own category instances (copied from their bytes); a batch built another
        // way carries other instances of the same text (encoded). Both must replace the previous value.
        (float Sqft, long Bedrooms, string City, bool Parsed)[] houses =
            [(1200, 3, "boston", true), (800, 1, new string("austin".AsSpan()), false), (2500, 4, "denver", true), (950, 2, new string("boston".AsSpan()), false)];
        foreach (var (sqft, bedrooms, city, parsed) in houses)
        {
            var batch = parsed
                ? Parse(session, [new { sqft, bedrooms, city }])
                : new FeatureBatch(session.Version.Features!, 1, [new[] { sqft }, new[] { bedrooms }, new[] { city }]);
            var result = _scorer.Score(session, batch);
            Assert.Equal(SampleModels.HousePrice(sqft, bedrooms, city), Assert.Single(result.Values!), 0.5);
        }

        Assert.Equal(1, session.RowBindings.Available);
    }

    [Fact]
    public void Score_PackedInputOneRow_IsBoundAndMatchesTheModel()
    {
        var session = Load(SampleModels.PackedIrisClassifier(), SampleModels.PackedIrisMetadataJson());
        Assert.NotNull(session.RowBindings);
        (float, float, float, float)[] flowers = [(5.1f, 3.5f, 1.4f, 0.2f), (6.7f, 3.0f, 5.2f, 2.3f), (5.9f, 3.0f, 4.2f, 1.5f)];
        foreach (var (sl, sw, pl, pw) in flowers)
        {
            var result = _scorer.Score(session, Parse(session, [new { sepal_length = sl, sepal_width = sw, petal_length = pl, petal_width = pw }]));
            var expected = SampleModels.IrisProbabilities(sl, sw, pl, pw);
            Assert.Equal(SampleModels.IrisClasses, result.ClassNames);
            Assert.Equal(expected.Length, result.Probabilities!.Length);
            for (var c = 0; c < expected.Length; c++)
            {
                Assert.Equal(expected[c], result.Probabilities[c], 1e-5);
            }

            Assert.Equal(Array.IndexOf(expected, expected.Max()), Assert.Single(result.IntLabels!));
        }

        Assert.Equal(1, session.RowBindings.Available);
    }

    [Fact]
    public async Task Score_ConcurrentSingleRows_EachGetsItsOwnAnswer()
    {
        var session = Load(SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        var records = ChurnRecords(64, seed: 3);
        var expected = _scorer.Score(session, Parse(session, records));
        var batches = records.Select(r => Parse(session, [r])).ToList();
        var wrong = 0;
        using var start = new Barrier(4);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            start.SignalAndWait();
            for (var n = 0; n < 2000; n++)
            {
                var i = ((n * 7) + (worker * 13)) % batches.Count;
                var result = _scorer.Score(session, batches[i]);
                if (result.IntLabels![0] != expected.IntLabels![i] || Math.Abs(result.Probabilities![1] - expected.Probabilities![(2 * i) + 1]) > 1e-6f)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        })));

        Assert.Equal(0, wrong);
        Assert.InRange(session.RowBindings!.Available, 1, 4);
    }

    [Fact]
    public void Score_ZipMapClassifier_IsNotBoundAndStillAnswersOneRow()
    {
        var session = Load(ZipMapIris(), SampleModels.PackedIrisMetadataJson());
        Assert.Null(session.RowBindings);
        var result = _scorer.Score(session, Parse(session, [new { sepal_length = 6.7f, sepal_width = 3.0f, petal_length = 5.2f, petal_width = 2.3f }]));
        var expected = SampleModels.IrisProbabilities(6.7f, 3.0f, 5.2f, 2.3f);
        Assert.Equal(expected[2], result.Probabilities![2], 1e-5);
    }

    [Fact]
    public void Score_OutputOfAnotherSizeThanDeclared_ClosesTheBindingsAndAnswersThroughTheGeneralPath()
    {
        // The graph declares "zeros" as [N,2]; it is in fact [1,n] for the row's n, which no load-time check can see.
        var session = Load(ZerosOfRowWidth(), ZerosMetadataJson);
        Assert.NotNull(session.RowBindings);
        var fits = _scorer.Score(session, Parse(session, [new { n = 2L }]));
        Assert.Equal(new object?[] { new float[] { 0f, 0f } }, fits.OtherOutputs["zeros"]);
        Assert.Equal(1, session.RowBindings.Available);

        var wider = _scorer.Score(session, Parse(session, [new { n = 3L }]));

        Assert.Equal(new object?[] { new float[] { 0f, 0f, 0f } }, wider.OtherOutputs["zeros"]);
        Assert.Equal(0, session.RowBindings.Available);
        Assert.Null(session.RowBindings.Rent());
    }

    [Fact]
    public void Score_InputTheModelRefuses_FailsAsBeforeAndKeepsTheBindings()
    {
        var session = Load(ZerosOfRowWidth(), ZerosMetadataJson);
        _scorer.Score(session, Parse(session, [new { n = 2L }]));

        // A negative width fails in ONNX Runtime on either path: the input's fault, not the binding's.
        var refused = Assert.Throws<MLOpsException>(() => _scorer.Score(session, Parse(session, [new { n = -1L }])));

        Assert.Equal(ProblemKind.Validation, refused.Kind);
        Assert.NotNull(session.RowBindings!.Rent());
    }

    [Fact]
    public void Release_LastReference_ClosesThePool()
    {
        var session = Load(SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        _scorer.Score(session, Parse(session, ChurnRecords(1, seed: 1)));
        Assert.Equal(1, session.RowBindings!.Available);

        session.Release();

        Assert.True(session.IsDisposed);
        Assert.Equal(0, session.RowBindings.Available);
        Assert.Null(session.RowBindings.Rent());
    }

    [Fact]
    public void Supports_OnlyNumericTensorOutputsOfKnownBoundedSizeAndBindableInputs()
    {
        using var options = ModelSessionCache.CreateSessionOptions(new PredictionOptions());
        using var churn = new InferenceSession(SampleModels.ChurnClassifier(), options);
        using var iris = new InferenceSession(SampleModels.PackedIrisClassifier(), options);
        using var zipMap = new InferenceSession(ZipMapIris(), options);
        using var zeros = new InferenceSession(ZerosOfRowWidth(), options);
        using var openWidth = new InferenceSession(ZerosOfRowWidth(-1), options);
        var churnSchema = Schema(SampleModels.ChurnMetadataJson());
        var irisSchema = Schema(SampleModels.PackedIrisMetadataJson());

        Assert.True(RowBinding.Supports(churn, churnSchema));
        Assert.True(RowBinding.Supports(iris, irisSchema));
        Assert.False(RowBinding.Supports(churn, null));
        Assert.False(RowBinding.Supports(iris, churnSchema));
        Assert.False(RowBinding.Supports(zipMap, irisSchema));
        Assert.True(RowBinding.Supports(zeros, Schema(ZerosMetadataJson)));
        using var huge = new InferenceSession(ZerosOfRowWidth(2048, 1024), options);
        Assert.False(RowBinding.Supports(huge, Schema(ZerosMetadataJson)));
        Assert.False(RowBinding.Supports(openWidth, Schema(ZerosMetadataJson)));
    }

    private static FeatureSchema Schema(string metadataJson) =>
        JsonSerializer.Deserialize<VersionMetadataRequest>(metadataJson, JsonDefaults.Options)!.ToDomain().Features!;

    private const string ZerosMetadataJson = """{"description":"zeros of the row's width","features":[{"name":"n","type":"int64","min":-5,"max":10}]}""";

    /// <summary>
    /// n int64 [N,1] to zeros float of shape [1, n, ..., n] (ConstantOfShape; one row only), one n per declared dimension
    /// after the batch, declared as [N, <paramref name="declaredDims"/>] ([N,2] by default; -1: open): no load-time check
    /// can tell the declared size from the real one.
    /// </summary>
    private static byte[] ZerosOfRowWidth(params long[] declaredDims)
    {
        long[] dims = declaredDims is [] ? [2L] : declaredDims;
        return new OnnxGraphBuilder("zeros")
            .AddInput("n", DataType.Int64, OnnxGraphBuilder.Batch, 1)
            .AddInitializer("one", [1L], 1)
            .AddNode("Reshape", ["n", "one"], ["n_flat"])
            .AddNode("Concat", ["one", .. Enumerable.Repeat("n_flat", dims.Length)], ["shape"], "", OnnxAttribute.Int("axis", 0))
            .AddNode("ConstantOfShape", ["shape"], ["zeros"])
            .AddOutput("zeros", DataType.Float, [OnnxGraphBuilder.Batch, .. dims])
            .Build();
    }

    private static byte[] ZipMapIris() =>
        IrisGraph()
            .AddNode("ZipMap", ["probabilities"], ["output_probability"], OnnxGraphBuilder.MlDomain, OnnxAttribute.Ints("classlabels_int64s", 0, 1, 2))
            .AddOutput(OnnxGraphBuilder.SequenceOfMapsValue("output_probability", DataType.Int64, DataType.Float))
            .Build();

    private static OnnxGraphBuilder IrisGraph()
    {
        // Rebuilt from the sample's own model so the weights are the same: its LinearClassifier node, our outputs.
        var sample = ModelProto.Parser.ParseFrom(SampleModels.PackedIrisClassifier());
        var builder = new OnnxGraphBuilder("iris")
            .WithOpset(OnnxGraphBuilder.MlDomain, OnnxGraphBuilder.DefaultMlOpset)
            .WithMetadata("task", "multiclassClassification")
            .AddInput("float_input", DataType.Float, OnnxGraphBuilder.Batch, 4);
        var node = sample.Graph.Node.Single();
        builder.AddNode(node.OpType, [.. node.Input], [.. node.Output], node.Domain, [.. node.Attribute]);
        return builder.AddOutput("label", DataType.Int64, OnnxGraphBuilder.Batch);
    }
}
