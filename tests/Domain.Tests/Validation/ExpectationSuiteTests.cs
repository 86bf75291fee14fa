using MLOps.Domain.Features;
using MLOps.Domain.Profiles;
using MLOps.Domain.Validation;

namespace MLOps.Domain.Tests.Validation;

/// <summary>How the rules for a model's datasets are derived from its feature schema, its reference profile and the user's rules.</summary>
public sealed class ExpectationSuiteTests
{
    private static readonly FeatureSchema Churn = new(
    [
        new("age", FeatureType.Float, 18, 100),
        new("plan", FeatureType.String, Categories: ["basic", "pro"]),
        new("tenure", FeatureType.Int64, Nullable: true),
        new("has_support", FeatureType.Bool),
    ]);

    [Fact]
    public void Derive_SchemaAlone_GivesPresenceTypeNullsRangeAndCategoriesPerFeatureThenTheLabel()
    {
        var suite = ExpectationSuite.Derive(Churn, null, ModelExpectations.Default, "churned");

        Assert.Equal(
        [
            "wellFormedRows",
            "columnPresent(age)", "columnType(age)", "nullFraction(age)", "range(age)",
            "columnPresent(plan)", "columnType(plan)", "nullFraction(plan)", "categories(plan)",
            "columnPresent(tenure)", "columnType(tenure)", // nullable, and no profile to bound its nulls
            "columnPresent(has_support)", "columnType(has_support)", "nullFraction(has_support)",
            "labelPresent(churned)",
        ],
            suite.Rules.Select(r => r.Key));
        Assert.Equal(ExpectationSource.Format, suite.Rules[0].Source);
        Assert.All(suite.Rules.Skip(1), r => Assert.Equal(ExpectationSource.Schema, r.Source));
        Assert.All(suite.Rules, r => Assert.Equal(1.0, r.Mostly));
        Assert.Equal(FeatureType.Int64, Rule(suite, "columnType(tenure)").Type);
        Assert.Equal(0, Rule(suite, "nullFraction(age)").MaxFraction);
        Assert.Equal((18.0, 100.0), (Rule(suite, "range(age)").Min!.Value, Rule(suite, "range(age)").Max!.Value));
        Assert.Equal(["basic", "pro"], Rule(suite, "categories(plan)").Categories);
        Assert.Equal(0, Rule(suite, "categories(plan)").MaxFraction);
        Assert.Equal(0, Rule(suite, "labelPresent(churned)").MaxFraction);
        Assert.Equal("churned", suite.LabelColumn);
        Assert.Same(ModelExpectations.Default, suite.Settings);
    }

    [Fact]
    public void Derive_WithProfile_BoundsNullsRangesAndCategoriesFromTraining()
    {
        var schema = new FeatureSchema(
        [
            new("x", FeatureType.Double, Nullable: true),
            new("y", FeatureType.Int64),
            new("c", FeatureType.String),
            new("d", FeatureType.String),
        ]);
        var profile = Profile(
            Numeric("x", count: 90, missing: 10, min: 10, max: 30),
            Numeric("y", count: 100, missing: 0, min: 5, max: 5),
            Categorical("c", otherCount: 0, ("b", 3), ("a", 5), ("B", 1)),
            Categorical("d", otherCount: 7, ("a", 5)));

        var suite = ExpectationSuite.Derive(schema, profile, ModelExpectations.Default, null);

        // x: 10% missing in training -> at most 10% x 2 + 5 points = 25%; range 10..30 widened by 10% of 20 on each side.
        var xNulls = Rule(suite, "nullFraction(x)");
        Assert.Equal((0.25, ExpectationSource.Profile), (xNulls.MaxFraction!.Value, xNulls.Source));
        var xRange = Rule(suite, "range(x)");
        Assert.Equal((8.0, 32.0, 0.99, ExpectationSource.Profile), (xRange.Min!.Value, xRange.Max!.Value, xRange.Mostly, xRange.Source));

        // y: not nullable and never missing -> no nulls at all; a constant column gets a hair of slack, not zero width.
        Assert.Equal((0.0, ExpectationSource.Schema), (Rule(suite, "nullFraction(y)").MaxFraction!.Value, Rule(suite, "nullFraction(y)").Source));
        var yRange = Rule(suite, "range(y)");
        Assert.Equal(5 - 5e-9, yRange.Min!.Value, 15);
        Assert.Equal(5 + 5e-9, yRange.Max!.Value, 15);

        // c: the complete category list, ordinal order, 5% unseen tolerated; d: a capped list describes no set.
        var c = Rule(suite, "categories(c)");
        Assert.Equal(["B", "a", "b"], c.Categories);
        Assert.Equal((0.05, ExpectationSource.Profile), (c.MaxFraction!.Value, c.Source));
        Assert.DoesNotContain(suite.Rules, r => r.Key == "categories(d)");
        Assert.DoesNotContain(suite.Rules, r => r.Kind == ExpectationKind.LabelPresent);
    }

    [Theory]
    [InlineData(false, 3, 1, 0.55)]  // not nullable, yet missing in training: 25% x 2 + 5 points
    [InlineData(true, 4, 6, 1.0)]    // 60% x 2 + 5 points is capped at 100%
    [InlineData(true, 3, 0, 0.05)]   // nullable but never missing: 5 points
    [InlineData(true, 2, 1, 0.7167)] // 1/3 x 2 + 0.05 = 0.71666..., rounded to 4 places
    public void Derive_NullBoundFromProfile_IsTwiceTheTrainingShareplusFivePoints(bool nullable, long count, long missing, double expected)
    {
        var schema = new FeatureSchema([new("x", FeatureType.Double, Nullable: nullable)]);

        var suite = ExpectationSuite.Derive(schema, Profile(Numeric("x", count, missing, 0, 1)), ModelExpectations.Default, null);

        var rule = Rule(suite, "nullFraction(x)");
        Assert.Equal(expected, rule.MaxFraction);
        Assert.Equal(ExpectationSource.Profile, rule.Source);
    }

    [Fact]
    public void Derive_SchemaBoundsAndCategories_WinOverTheProfile()
    {
        var schema = new FeatureSchema([new("x", FeatureType.Double, 0, 1), new("c", FeatureType.String, Categories: ["p"])]);
        var profile = Profile(Numeric("x", 10, 0, 5, 9), Categorical("c", 0, ("q", 4)));

        var suite = ExpectationSuite.Derive(schema, profile, ModelExpectations.Default, null);

        var range = Assert.Single(suite.Rules, r => r.Kind == ExpectationKind.Range);
        Assert.Equal((0.0, 1.0, 1.0, ExpectationSource.Schema), (range.Min!.Value, range.Max!.Value, range.Mostly, range.Source));
        var categories = Assert.Single(suite.Rules, r => r.Kind == ExpectationKind.Categories);
        Assert.Equal(["p"], categories.Categories);
        Assert.Equal(0, categories.MaxFraction);
    }

    [Fact]
    public void Derive_ProfileWithoutFiniteValues_GivesNoRange()
    {
        var schema = new FeatureSchema([new("x", FeatureType.Double, Nullable: true), new("y", FeatureType.Double)]);
        var profile = Profile(Numeric("x", 0, 5, double.PositiveInfinity, double.NegativeInfinity), Numeric("y", 3, 0, double.NaN, 1));

        var suite = ExpectationSuite.Derive(schema, profile, ModelExpectations.Default, null);

        Assert.DoesNotContain(suite.Rules, r => r.Kind == ExpectationKind.Range);
        Assert.Contains(suite.Rules, r => r.Key == "columnType(x)"); // the rest is still derived: an empty suite has no range either
        Assert.Contains(suite.Rules, r => r.Key == "columnType(y)");
    }

    [Fact]
    public void Derive_ProfileOfAnotherFeature_IsIgnored()
    {
        var schema = new FeatureSchema([new("x", FeatureType.Double)]);

        var suite = ExpectationSuite.Derive(schema, Profile(Numeric("other", 10, 5, 0, 1)), ModelExpectations.Default, null);

        Assert.Equal(["wellFormedRows", "columnPresent(x)", "columnType(x)", "nullFraction(x)"], suite.Rules.Select(r => r.Key));
        Assert.Equal(ExpectationSource.Schema, Rule(suite, "nullFraction(x)").Source);
    }

    [Fact]
    public void Derive_NoSchema_GivesOnlyWellFormedRowsAndTheLabel()
    {
        var suite = ExpectationSuite.Derive(null, null, ModelExpectations.Default, "label");

        Assert.Equal(["wellFormedRows", "labelPresent(label)"], suite.Rules.Select(r => r.Key));
    }

    [Fact]
    public void Derive_DeriveFromModelOff_IgnoresSchemaAndProfile()
    {
        var settings = ModelExpectations.Default with { DeriveFromModel = false };

        var suite = ExpectationSuite.Derive(Churn, Profile(Numeric("age", 10, 0, 20, 30)), settings, "churned");

        Assert.Equal(["wellFormedRows", "labelPresent(churned)"], suite.Rules.Select(r => r.Key));
    }

    [Theory]
    [InlineData(false, "churned")]
    [InlineData(true, null)]
    public void Derive_LabelNotRequiredOrUnknown_GivesNoLabelRule(bool requireLabel, string? label)
    {
        var suite = ExpectationSuite.Derive(Churn, null, ModelExpectations.Default with { RequireLabel = requireLabel }, label);

        Assert.DoesNotContain(suite.Rules, r => r.Kind == ExpectationKind.LabelPresent);
        // Only the label rule is left out: an empty suite would also pass the line above.
        var withLabel = ExpectationSuite.Derive(Churn, null, ModelExpectations.Default, "churned");
        Assert.Equal(withLabel.Rules.Select(r => r.Key).Where(k => k != "labelPresent(churned)"), suite.Rules.Select(r => r.Key));
    }

    [Fact]
    public void Derive_UserRules_ReplaceDerivedRulesWithTheSameKeyInPlaceAndAddTheRest()
    {
        var settings = ModelExpectations.Default with
        {
            Rules =
            [
                new() { Kind = ExpectationKind.Range, Column = "age", Min = 0, Max = 130, Mostly = 0.95, Source = ExpectationSource.Profile },
                new() { Kind = ExpectationKind.LabelPresent, Column = "churned", MaxFraction = 0.1 },
                new() { Kind = ExpectationKind.Unique, Columns = ["age", "plan"] },
                new() { Kind = ExpectationKind.Range, Column = "tenure", Min = 0 },
                new() { Kind = ExpectationKind.WellFormedRows, Mostly = 0.9 },
            ],
        };
        var derived = ExpectationSuite.Derive(Churn, null, ModelExpectations.Default, "churned");

        var suite = ExpectationSuite.Derive(Churn, null, settings, "churned");

        Assert.Equal([.. derived.Rules.Select(r => r.Key), "unique(age,plan)", "range(tenure)"], suite.Rules.Select(r => r.Key));
        var age = Rule(suite, "range(age)");
        Assert.Equal((0.0, 130.0, 0.95, ExpectationSource.User), (age.Min!.Value, age.Max!.Value, age.Mostly, age.Source));
        Assert.Equal((0.1, ExpectationSource.User), (Rule(suite, "labelPresent(churned)").MaxFraction!.Value, Rule(suite, "labelPresent(churned)").Source));
        Assert.Equal((0.9, ExpectationSource.User), (suite.Rules[0].Mostly, suite.Rules[0].Source));
        Assert.All(suite.Rules.Where(r => r.Key is "unique(age,plan)" or "range(tenure)"), r => Assert.Equal(ExpectationSource.User, r.Source));
        Assert.Equal(ExpectationSource.Schema, Rule(suite, "columnType(age)").Source); // untouched
    }

    [Fact]
    public void Derive_UserRuleOfAnotherKindOnTheSameColumn_IsAddedBesideTheDerivedOne()
    {
        var settings = ModelExpectations.Default with
        {
            Rules = [new() { Kind = ExpectationKind.Freshness, Column = "age", MaxAge = TimeSpan.FromDays(1) }],
        };

        var suite = ExpectationSuite.Derive(Churn, null, settings, null);

        Assert.Contains(suite.Rules, r => r.Key == "range(age)");
        Assert.Equal("freshness(age)", suite.Rules[^1].Key);
    }

    [Fact]
    public void Derive_ThenValidate_ChurnRowsAgainstTheDerivedSuite()
    {
        // End to end over the pure parts: derived rules hold on good rows and catch each kind of bad cell.
        var suite = ExpectationSuite.Derive(Churn, null, ModelExpectations.Default, "churned");
        var table = new TestTable(
            "age,plan,tenure,has_support,churned",
            "30,basic,12,true,0",
            "101,pro,,false,1",
            "40,gold,3,maybe,0",
            ",pro,x,true,");

        var result = TestTable.Validate(suite, table);

        Assert.Equal(
            ["categories(plan)", "columnType(has_support)", "columnType(tenure)", "labelPresent(churned)", "nullFraction(age)", "range(age)"],
            result.Rules.Where(r => r.Verdict == RuleVerdict.Failed).Select(r => r.Rule).Order(StringComparer.Ordinal));
    }

    private static Expectation Rule(ExpectationSuite suite, string key) => Assert.Single(suite.Rules, r => r.Key == key);

    private static ReferenceProfile Profile(params FeatureProfile[] features) => new() { Rows = 100, Features = features };

    private static FeatureProfile Numeric(string name, long count, long missing, double min, double max) => new()
    {
        Name = name,
        Kind = ProfileKind.Numeric,
        Count = count,
        Missing = missing,
        Numeric = new NumericSummary { Min = min, Max = max, Mean = (min + max) / 2, StdDev = 1, BinEdges = [], BinCounts = [count], Sample = [] },
    };

    private static FeatureProfile Categorical(string name, long otherCount, params (string Value, long Count)[] counts) => new()
    {
        Name = name,
        Kind = ProfileKind.Categorical,
        Count = counts.Sum(c => c.Count) + otherCount,
        Categorical = new CategoricalSummary { Counts = counts.ToDictionary(c => c.Value, c => c.Count), OtherCount = otherCount },
    };
}
