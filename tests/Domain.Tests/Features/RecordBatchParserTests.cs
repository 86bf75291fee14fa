using System.Text.Json;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;

namespace MLOps.Domain.Tests.Features;

public sealed class RecordBatchParserTests
{
    private static readonly FeatureSchema Schema = new(
    [
        new FeatureSpec("age", FeatureType.Float, Min: 18, Max: 100),
        new FeatureSpec("tenure", FeatureType.Int64, Min: 0),
        new FeatureSpec("plan", FeatureType.String, Categories: ["basic", "pro"]),
        new FeatureSpec("support", FeatureType.Bool),
        new FeatureSpec("income", FeatureType.Double, Nullable: true),
    ]);

    private static FeatureBatch Parse(string json, int maxRows = 1000)
    {
        using var document = JsonDocument.Parse(json);
        return RecordBatchParser.Parse(document.RootElement.Clone(), Schema, maxRows);
    }

    private static MLOpsException Fails(string json, int maxRows = 1000) =>
        Assert.Throws<MLOpsException>(() => Parse(json, maxRows));

    [Fact]
    public void Parse_ValidRecords_FillsTypedColumnsInSchemaOrder()
    {
        var batch = Parse("""[{"age":41,"tenure":3,"plan":"pro","support":true,"income":5.5},{"income":null,"support":false,"plan":"basic","tenure":0,"age":18}]""");

        Assert.Equal(2, batch.Rows);
        Assert.Equal([41f, 18f], batch.Column<float>(0));
        Assert.Equal([3L, 0L], batch.Column<long>(1));
        Assert.Equal(["pro", "basic"], batch.Column<string>(2));
        Assert.Equal([true, false], batch.Column<bool>(3));
        Assert.Equal(5.5, batch.Column<double>(4)[0]);
        Assert.True(double.IsNaN(batch.Column<double>(4)[1]));
    }

    [Fact]
    public void Parse_MissingNullableFeature_BecomesNaN()
    {
        var batch = Parse("""[{"age":41,"tenure":3,"plan":"pro","support":true}]""");
        Assert.True(double.IsNaN(batch.Column<double>(4)[0]));
    }

    [Theory]
    [InlineData("""[{"tenure":3,"plan":"pro","support":true}]""", "age", 0, "missing")]
    [InlineData("""[{"age":41,"tenure":3,"plan":"pro","support":true,"zip":"x"}]""", "zip", 0, "Unknown feature")]
    [InlineData("""[{"age":"41","tenure":3,"plan":"pro","support":true}]""", "age", 0, "must be a number")]
    [InlineData("""[{"age":"NaN","tenure":3,"plan":"pro","support":true}]""", "age", 0, "must be a number")]
    [InlineData("""[{"age":1e999,"tenure":3,"plan":"pro","support":true}]""", "age", 0, "not a finite")]
    [InlineData("""[{"age":41,"tenure":3,"plan":"pro","support":true},{"age":120,"tenure":3,"plan":"pro","support":true}]""", "age", 1, "outside the accepted range")]
    [InlineData("""[{"age":41,"tenure":3.5,"plan":"pro","support":true}]""", "tenure", 0, "whole number")]
    [InlineData("""[{"age":41,"tenure":-1,"plan":"pro","support":true}]""", "tenure", 0, "outside the accepted range")]
    [InlineData("""[{"age":41,"tenure":3,"plan":"gold","support":true}]""", "plan", 0, "not one of")]
    [InlineData("""[{"age":41,"tenure":3,"plan":"pro","support":"yes"}]""", "support", 0, "true or false")]
    [InlineData("""[{"age":null,"tenure":3,"plan":"pro","support":true}]""", "age", 0, "is null")]
    [InlineData("""[{"age":41,"age":42,"tenure":3,"plan":"pro","support":true}]""", "age", 0, "appears twice")]
    public void Parse_BadValue_NamesFieldAndRow(string json, string field, int row, string message)
    {
        var ex = Fails(json);

        Assert.Equal(ProblemKind.Validation, ex.Kind);
        var error = Assert.Single(ex.Errors);
        Assert.Equal(field, error.Field);
        Assert.Equal(row, error.Row);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MoreRowsThanLimit_IsPayloadTooLarge()
    {
        var ex = Fails("""[{"age":41},{"age":42},{"age":43}]""", maxRows: 2);
        Assert.Equal(ProblemKind.PayloadTooLarge, ex.Kind);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("\"rows\"")]
    [InlineData("[1,2]")]
    [InlineData("[[41,3]]")]
    public void Parse_NotAnArrayOfRecords_IsValidationError(string json)
    {
        Assert.Equal(ProblemKind.Validation, Fails(json).Kind);
    }

    [Fact]
    public void Parse_ManyBadRows_CapsReportedErrorsButCountsAll()
    {
        var rows = string.Join(",", Enumerable.Repeat("""{"age":"x","tenure":3,"plan":"pro","support":true}""", 200));
        var ex = Fails($"[{rows}]");

        Assert.Equal(RecordBatchParser.MaxReportedErrors, ex.Errors.Count);
        Assert.Contains("200 values", ex.Detail, StringComparison.Ordinal);
    }
}
