using MLOps.Domain.Features;
using MLOps.Domain.Validation;

namespace MLOps.Domain.Tests.Validation;

/// <summary>The checks on what a user stores as a model's expectations (PUT /api/models/{name}/expectations).</summary>
public sealed class ModelExpectationsTests
{
    [Fact]
    public void Check_Defaults_AreValid() => Assert.Empty(ModelExpectations.Default.Check());

    [Fact]
    public void Check_OneValidRuleOfEachConfigurableKind_IsValid()
    {
        var settings = ModelExpectations.Default with
        {
            Rules =
            [
                new() { Kind = ExpectationKind.WellFormedRows, Mostly = 0.99 },
                new() { Kind = ExpectationKind.ColumnPresent, Column = "a" },
                new() { Kind = ExpectationKind.ColumnType, Column = "a", Type = FeatureType.Int32, Mostly = 0.9 },
                new() { Kind = ExpectationKind.NullFraction, Column = "a", MaxFraction = 0.1 },
                new() { Kind = ExpectationKind.Range, Column = "a", Min = 0, Mostly = 0.5 },
                new() { Kind = ExpectationKind.Categories, Column = "b", Categories = ["x"], MaxFraction = 0.2 },
                new() { Kind = ExpectationKind.Unique, Columns = ["a", "b"], Mostly = 0 },
                new() { Kind = ExpectationKind.RowCount, MinRows = 0, MaxRows = 0 },
                new() { Kind = ExpectationKind.Freshness, MaxAge = TimeSpan.FromHours(1) },
                new() { Kind = ExpectationKind.LabelPresent, Column = "y", MaxFraction = 0 },
            ],
        };

        Assert.Empty(settings.Check());
    }

    public static TheoryData<Expectation, string> BadRules => new()
    {
        { new() { Kind = ExpectationKind.Readable }, "'readable' is always checked" },
        { new() { Kind = ExpectationKind.NullFraction, Column = "a", MaxFraction = 0.1, Mostly = 0.9 }, "'mostly' applies to row-level rules" },
        { new() { Kind = ExpectationKind.Range, Column = "a", Min = 0, Mostly = 1.5 }, "'mostly' must be from 0 to 1." },
        { new() { Kind = ExpectationKind.Range, Column = "a", Min = 0, Mostly = double.NaN }, "'mostly' must be from 0 to 1." },
        { new() { Kind = ExpectationKind.NullFraction, Column = "a", MaxFraction = -0.1 }, "'maxFraction' must be from 0 to 1." },
        { new() { Kind = ExpectationKind.NullFraction, Column = "a" }, "'nullFraction' needs 'maxFraction'." },
        { new() { Kind = ExpectationKind.ColumnType, Column = "a" }, "'columnType' needs 'type'" },
        { new() { Kind = ExpectationKind.Range, Column = "a" }, "'range' needs 'min', 'max' or both." },
        { new() { Kind = ExpectationKind.Range, Column = "a", Min = 2, Max = 1 }, "'min' is greater than 'max'." },
        { new() { Kind = ExpectationKind.Range, Column = "a", Max = double.PositiveInfinity }, "'min' and 'max' must be finite numbers." },
        { new() { Kind = ExpectationKind.Range, Min = 0 }, "'range' needs 'column'" },
        { new() { Kind = ExpectationKind.Unique, Columns = ["a"], Column = new string('c', 129) }, "'column' must be a name of 1-128 characters." },
        { new() { Kind = ExpectationKind.Categories, Column = "a", Categories = [] }, "'categories' needs 'categories'" },
        { new() { Kind = ExpectationKind.Categories, Column = "a", Categories = [new string('v', 257)] }, "at most 256 characters" },
        { new() { Kind = ExpectationKind.Unique, Columns = [] }, "'unique' needs 'columns': 1 to 8 column names." },
        { new() { Kind = ExpectationKind.Unique, Columns = ["a", "b", "c", "d", "e", "f", "g", "h", "i"] }, "'unique' needs 'columns'" },
        { new() { Kind = ExpectationKind.RowCount }, "'rowCount' needs 'minRows', 'maxRows' or both." },
        { new() { Kind = ExpectationKind.RowCount, MinRows = 5, MaxRows = 4 }, "'minRows' must be 0 or more and not above 'maxRows'." },
        { new() { Kind = ExpectationKind.RowCount, MinRows = -1 }, "'minRows' must be 0 or more" },
        { new() { Kind = ExpectationKind.Freshness, MaxAge = TimeSpan.Zero }, "'freshness' needs 'maxAge'" },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public void Check_BadRule_IsNamedByPositionWithWhatIsWrong(Expectation rule, string message)
    {
        var settings = ModelExpectations.Default with { Rules = [new() { Kind = ExpectationKind.ColumnPresent, Column = "ok" }, rule] };

        var error = Assert.Single(settings.Check());

        Assert.Equal("rules[1]", error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_SameRuleTwice_IsRefused()
    {
        var rule = new Expectation { Kind = ExpectationKind.ColumnPresent, Column = "a" };

        var error = Assert.Single((ModelExpectations.Default with { Rules = [rule, rule with { Mostly = 1 }] }).Check());

        Assert.Equal("Rule columnPresent(a) is listed twice.", error.Message);
    }

    [Theory]
    [InlineData(',', 5, true)]
    [InlineData('\t', 20, true)]
    [InlineData(':', 5, false)]
    [InlineData(',', 0, false)]
    [InlineData(',', 21, false)]
    public void Check_DelimiterAndExampleRows_AreBounded(char delimiter, int exampleRows, bool valid)
    {
        var errors = (ModelExpectations.Default with { Delimiter = delimiter, ExampleRows = exampleRows }).Check();

        Assert.Equal(valid, errors.Count == 0);
    }

    [Fact]
    public void Check_TooManyRules_StopsAtTheCount()
    {
        var rules = Enumerable.Range(0, ModelExpectations.MaxRules + 1).Select(i => new Expectation { Kind = ExpectationKind.ColumnPresent, Column = "c" + i }).ToList();

        var error = Assert.Single((ModelExpectations.Default with { Rules = rules }).Check());

        Assert.Equal("rules", error.Field);
    }
}
