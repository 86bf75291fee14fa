using MLOps.Domain.Features;
using MLOps.Domain.Signatures;

namespace MLOps.Domain.Tests.Features;

public sealed class FeatureSchemaTests
{
    [Fact]
    public void Check_SoundSchema_HasNoErrors()
    {
        var schema = new FeatureSchema([new("a", FeatureType.Float, 0, 1), new("b", FeatureType.String, Categories: ["x"])]);
        Assert.Empty(schema.Check());
    }

    [Theory]
    [MemberData(nameof(BadSchemas))]
    public void Check_UnsoundSchema_ReportsIt(FeatureSchema schema, string expected)
    {
        var errors = schema.Check();
        Assert.Contains(errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
    }

    public static TheoryData<FeatureSchema, string> BadSchemas() => new()
    {
        { new FeatureSchema([]), "no features" },
        { new FeatureSchema([new("a", FeatureType.Float), new("a", FeatureType.Int64)]), "listed twice" },
        { new FeatureSchema([new("a", FeatureType.Float, 5, 1)]), "greater than max" },
        { new FeatureSchema([new("a", FeatureType.String, Min: 1)]), "numeric features only" },
        { new FeatureSchema([new("a", FeatureType.Float, Categories: ["x"])]), "string features only" },
        { new FeatureSchema([new("a\"; drop", FeatureType.Float)]), "feature name" },
        { new FeatureSchema([new("a", FeatureType.String)], PackedInput: "x"), "must be numeric or bool" },
    };

    [Fact]
    public void Bind_PerFeatureInputsOfMatchingTypes_Fits()
    {
        var signature = Signature(("age", "float", [-1, 1]), ("plan", "string", [-1, 1]));
        var schema = new FeatureSchema([new("age", FeatureType.Float), new("plan", FeatureType.String)]);

        Assert.Empty(FeatureBinding.Check(schema, signature));
    }

    [Fact]
    public void Bind_TypeMismatchAndUnfedInput_AreReported()
    {
        var signature = Signature(("age", "float", [-1, 1]), ("plan", "string", [-1, 1]));
        var schema = new FeatureSchema([new("age", FeatureType.Int64)]);

        var errors = FeatureBinding.Check(schema, signature);

        Assert.Contains(errors, e => e.Message.Contains("is int64 but the model input is tensor of float", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Message.Contains("'plan' is not fed", StringComparison.Ordinal));
    }

    [Fact]
    public void Bind_PackedInputWithWrongWidth_IsReported()
    {
        var signature = Signature(("float_input", "float", [-1, 4]));
        var schema = new FeatureSchema([new("a", FeatureType.Float), new("b", FeatureType.Float)], PackedInput: "float_input");

        var error = Assert.Single(FeatureBinding.Check(schema, signature));
        Assert.Contains("[N,2]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Derive_ColumnInputs_GivesOneFeaturePerInput()
    {
        var schema = FeatureBinding.Derive(Signature(("age", "float", [-1, 1]), ("n", "int64", [-1])));

        Assert.NotNull(schema);
        Assert.Equal([("age", FeatureType.Float), ("n", FeatureType.Int64)], schema.Features.Select(f => (f.Name, f.Type)));
    }

    [Fact]
    public void Derive_ImageLikeInput_GivesNoSchema()
    {
        Assert.Null(FeatureBinding.Derive(Signature(("pixels", "uint8", [-1, 4]))));
    }

    private static ModelSignature Signature(params (string Name, string Type, long[] Shape)[] inputs) => new(
        8,
        new Dictionary<string, long> { ["ai.onnx"] = 17 },
        null,
        inputs.Select(i => new TensorSpec(i.Name, "tensor", i.Type, i.Shape)).ToList(),
        [new TensorSpec("out", "tensor", "float", [-1])],
        null);
}
