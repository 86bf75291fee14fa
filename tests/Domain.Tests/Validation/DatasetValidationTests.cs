using MLOps.Domain.Features;
using MLOps.Domain.Validation;
using Moq;
using static MLOps.Domain.Tests.Validation.TestTable;

namespace MLOps.Domain.Tests.Validation;

/// <summary>The rules engine, rule kind by rule kind, with expectations worked out by hand from the rows given.</summary>
public sealed class DatasetValidationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    // ---- column presence ----

    [Fact]
    public void ColumnPresent_ColumnInHeader_Passes()
    {
        var result = Validate(Suite(Present("b")), new TestTable("a,b", "1,2"));

        var rule = Assert.Single(result.Rules);
        Assert.Equal(RuleVerdict.Passed, rule.Verdict);
        Assert.Equal("columnPresent(b)", rule.Rule);
        Assert.True(result.Passed);
    }

    [Fact]
    public void ColumnPresent_ColumnMissing_FailsNamingTheFilesColumns()
    {
        var result = Validate(Suite(Present("c")), new TestTable("a,b", "1,2"));

        var rule = Assert.Single(result.Rules);
        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Equal("missing", rule.Observed);
        Assert.Contains("Column 'c' is missing", rule.Message, StringComparison.Ordinal);
        Assert.Contains("2 column(s): 'a', 'b'.", rule.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("delimiter", rule.Message, StringComparison.Ordinal);
        Assert.False(result.Passed);
    }

    [Theory]
    [InlineData("age;plan", ";")]
    [InlineData("age|plan", "|")]
    [InlineData("age\tplan", "\\t")]
    public void ColumnPresent_SingleColumnHeaderWithAnotherSeparator_HintsAtTheDelimiter(string header, string shown)
    {
        var table = new TestTable([new DatasetColumn(header, DeclaredKind.Untyped)], "1");

        var rule = Assert.Single(Validate(Suite(Present("age")), table).Rules);

        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Contains($"the file seems to use '{shown}' as its delimiter", rule.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ColumnPresent_DuplicateHeaderNames_TheFirstColumnIsChecked()
    {
        var result = Validate(Suite(Range("a", 0, 10)), new TestTable("a,a", "5,50", "6,60"));

        Assert.Equal(RuleVerdict.Passed, Assert.Single(result.Rules).Verdict);
    }

    // ---- column type ----

    [Theory]
    [InlineData(FeatureType.Float, new[] { "1.5", "abc", "", "1e3", "-0" }, 4, 1)]
    [InlineData(FeatureType.Double, new[] { "Infinity", "-Infinity", "1.7976931348623157E+308", "2e308" }, 4, 3)] // 2e308 parses to +inf
    [InlineData(FeatureType.Int32, new[] { "2147483647", "2147483648", "-2147483648", "1.5", "" }, 4, 2)]
    [InlineData(FeatureType.Int64, new[] { "2147483648", "9223372036854775807", "9223372036854775808", "x" }, 4, 2)]
    [InlineData(FeatureType.Bool, new[] { "true", "No", "maybe", "1", "2" }, 5, 2)]
    [InlineData(FeatureType.String, new[] { "anything", "42", "" }, 2, 0)]
    public void ColumnType_Values_CountsNonNullCellsThatAreNotOfTheType(FeatureType type, string[] cells, long expectedChecked, long expectedBad)
    {
        var rule = Assert.Single(Validate(Suite(Type("v", type)), Column("v", cells)).Rules);

        Assert.Equal(expectedChecked, rule.Checked);
        Assert.Equal(expectedBad, rule.Unexpected);
        Assert.Equal(expectedBad == 0 ? RuleVerdict.Passed : RuleVerdict.Failed, rule.Verdict);
    }

    [Fact]
    public void ColumnType_NaNInAFloatColumn_IsAMissingValueNotATypeError()
    {
        var result = Validate(Suite(Type("v", FeatureType.Float), Nulls("v", 0.5)), Column("v", "1", "NaN", "nan", "2"));

        var type = result.Rules[0];
        var nulls = result.Rules[1];
        Assert.Equal((2L, 0L), (type.Checked!.Value, type.Unexpected!.Value));
        Assert.Equal(2L, nulls.Unexpected);
        Assert.Equal(RuleVerdict.Passed, nulls.Verdict); // 2 of 4 = 0.5, at the bound
    }

    [Fact]
    public void ColumnType_Failure_QuotesTheOffendingCellsWithTheirRowNumbers()
    {
        var rule = Assert.Single(Validate(Suite(Type("v", FeatureType.Int64)), Column("v", "1", "one", "3", "4.5")).Rules);

        Assert.Equal("2 of 4 rows are not int64 (50%)", rule.Observed);
        Assert.Equal("a int64 value in every row", rule.Threshold);
        Assert.Equal([new RowExample(2, "one", "not a valid int64"), new RowExample(4, "4.5", "not a valid int64")], rule.Examples);
        Assert.Equal(0.5, rule.UnexpectedFraction);
        Assert.Equal(1.0, rule.Mostly);
    }

    [Fact]
    public void ColumnType_ColumnMissing_IsSkippedAndLeftOutOfTheScore()
    {
        var result = Validate(Suite(Present("a"), Type("b", FeatureType.Float)), new TestTable("a", "1"));

        var type = result.Rules[1];
        Assert.Equal(RuleVerdict.Skipped, type.Verdict);
        Assert.Equal("column missing", type.Observed);
        Assert.True(result.Passed);
        Assert.Equal(100, result.Score);
    }

    [Theory]
    [InlineData(DeclaredKind.Boolean, FeatureType.Float, true)]
    [InlineData(DeclaredKind.Text, FeatureType.Float, false)] // text is parsed, as in CSV
    [InlineData(DeclaredKind.Integer, FeatureType.Double, false)]
    [InlineData(DeclaredKind.Real, FeatureType.Int64, true)]
    [InlineData(DeclaredKind.Temporal, FeatureType.String, false)]
    [InlineData(DeclaredKind.Binary, FeatureType.Int32, true)]
    public void ColumnType_DeclaredKindOfTheFile_FailsEveryCellWhenIncompatible(DeclaredKind declared, FeatureType type, bool fails)
    {
        var table = new TestTable([new DatasetColumn("v", declared)], "1", "", "2");

        var rule = Assert.Single(Validate(Suite(Type("v", type)), table).Rules);

        Assert.Equal(fails ? RuleVerdict.Failed : RuleVerdict.Passed, rule.Verdict);
        if (fails)
        {
            Assert.Equal($"the file declares the column as {declared.ToString().ToLowerInvariant()}", rule.Observed);
            Assert.Equal((2L, 2L), (rule.Checked!.Value, rule.Unexpected!.Value));
        }
    }

    // ---- mostly, on row-level rules ----

    [Theory]
    [InlineData(1.0, 0, RuleVerdict.Passed)]
    [InlineData(1.0, 1, RuleVerdict.Failed)]
    [InlineData(0.8, 2, RuleVerdict.Passed)] // 2/10 = 0.2 = 1 - 0.8 (which is 0.19999999999999996 in binary)
    [InlineData(0.8, 3, RuleVerdict.Failed)]
    [InlineData(0.9, 1, RuleVerdict.Passed)] // 1/10 against 1 - 0.9 = 0.09999999999999998
    [InlineData(0.9, 2, RuleVerdict.Failed)]
    [InlineData(0.7, 3, RuleVerdict.Passed)]
    [InlineData(0.71, 3, RuleVerdict.Failed)]
    [InlineData(0.0, 10, RuleVerdict.Passed)]
    public void Mostly_TenRowsWithSomeBad_PassesWhenAtLeastThatShareIsGood(double mostly, int bad, RuleVerdict expected)
    {
        var cells = Enumerable.Range(0, 10).Select(i => i < bad ? "x" : "1").ToArray();

        var rule = Assert.Single(Validate(Suite(Type("v", FeatureType.Int64) with { Mostly = mostly }), Column("v", cells)).Rules);

        Assert.Equal(expected, rule.Verdict);
        Assert.Equal(bad, rule.Unexpected);
        Assert.Equal(mostly, rule.Mostly);
    }

    [Fact]
    public void Mostly_PassingWithSomeBadRows_QuotesNoExamples()
    {
        var rule = Assert.Single(Validate(Suite(Type("v", FeatureType.Int64) with { Mostly = 0.5 }), Column("v", "x", "1", "1")).Rules);

        Assert.Equal(RuleVerdict.Passed, rule.Verdict);
        Assert.Empty(rule.Examples);
        Assert.Equal("a int64 value in at least 50% of rows", rule.Threshold);
        Assert.Equal(1, rule.Unexpected);
    }

    // ---- null fraction ----

    [Theory]
    [InlineData(0.0, 0, RuleVerdict.Passed)]
    [InlineData(0.0, 1, RuleVerdict.Failed)]
    [InlineData(0.1, 1, RuleVerdict.Passed)]
    [InlineData(0.2, 2, RuleVerdict.Passed)]
    [InlineData(0.2, 3, RuleVerdict.Failed)]
    [InlineData(0.3, 3, RuleVerdict.Passed)]
    [InlineData(0.29, 3, RuleVerdict.Failed)]
    [InlineData(1.0, 10, RuleVerdict.Passed)]
    public void NullFraction_TenRows_PassesAtTheBoundAndFailsAboveIt(double maxFraction, int nulls, RuleVerdict expected)
    {
        var cells = Enumerable.Range(0, 10).Select(i => i < nulls ? string.Empty : "v").ToArray();

        var rule = Assert.Single(Validate(Suite(Nulls("v", maxFraction)), Column("v", cells)).Rules);

        Assert.Equal(expected, rule.Verdict);
        Assert.Equal((10L, (long)nulls), (rule.Checked!.Value, rule.Unexpected!.Value));
        Assert.Null(rule.Mostly);
    }

    [Fact]
    public void NullFraction_Failure_SaysHowManyOfHowManyAndQuotesTheRows()
    {
        var rule = Assert.Single(Validate(Suite(Nulls("v", 0.25)), Column("v", "a", "", "b", "", "")).Rules);

        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Equal("3 of 5 rows missing (60%)", rule.Observed);
        Assert.Equal("at most 25% missing", rule.Threshold);
        Assert.Equal([2L, 4, 5], rule.Examples.Select(e => e.Row));
        Assert.All(rule.Examples, e => Assert.Null(e.Value));
        Assert.Equal(0.6, rule.UnexpectedFraction);
    }

    [Fact]
    public void NullFraction_ShortRow_CountsTheMissingFieldAsNull()
    {
        var rule = Validate(Suite(Nulls("b", 0)), new TestTable("a,b", "1,2", "1")).Rules[0];

        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Equal(1, rule.Unexpected);
    }

    [Fact]
    public void NullFraction_NoRows_Passes()
    {
        var rule = Assert.Single(Validate(Suite(Nulls("v", 0)), Column("v")).Rules);

        Assert.Equal(RuleVerdict.Passed, rule.Verdict);
        Assert.Equal("0 of 0 rows missing (0%)", rule.Observed);
        Assert.Equal(0, rule.UnexpectedFraction);
    }

    // ---- numeric range ----

    [Fact]
    public void Range_ValuesOutsideTheBounds_AreCountedAmongValidNonNullValues()
    {
        var rule = Assert.Single(Validate(Suite(Range("age", 18, 100)), Column("age", "17", "18", "50", "100", "101", "", "x")).Rules);

        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Equal((5L, 2L), (rule.Checked!.Value, rule.Unexpected!.Value));
        Assert.Equal("2 of 5 rows are outside [18, 100] (40%); min 17, max 101", rule.Observed);
        Assert.Equal("within [18, 100] in every row", rule.Threshold);
        Assert.Equal([new RowExample(1, "17", "below 18"), new RowExample(5, "101", "above 100")], rule.Examples);
    }

    [Fact]
    public void Range_OneSidedBound_ChecksOnlyThatSide()
    {
        var result = Validate(Suite(Range("v", null, 10), Range("w", 0, null)), new TestTable("v,w", "-1e9,1e9", "10,0"));

        Assert.All(result.Rules, r => Assert.Equal(RuleVerdict.Passed, r.Verdict));
        Assert.Equal("within [-inf, 10] in every row", result.Rules[0].Threshold);
        Assert.Equal("within [0, +inf] in every row", result.Rules[1].Threshold);
    }

    [Theory]
    [InlineData(0.99, 1, RuleVerdict.Passed)] // 1 of 100 outside
    [InlineData(0.99, 2, RuleVerdict.Failed)]
    public void Range_Mostly_ToleratesThatShareOutside(double mostly, int outside, RuleVerdict expected)
    {
        var cells = Enumerable.Range(0, 100).Select(i => i < outside ? "1000" : "5").ToArray();

        var rule = Assert.Single(Validate(Suite(Range("v", 0, 10) with { Mostly = mostly }), Column("v", cells)).Rules);

        Assert.Equal(expected, rule.Verdict);
    }

    [Fact]
    public void Range_OnAnInt32Column_ExcludesCellsTheTypeRuleRejects()
    {
        // The probe parses as int32 because of the type rule: 3000000000 and 1.5 are type errors, not range errors.
        var result = Validate(Suite(Type("v", FeatureType.Int32), Range("v", 0, 10)), Column("v", "3000000000", "1.5", "5", "11"));

        Assert.Equal(2, result.Rules[0].Unexpected);
        Assert.Equal((2L, 1L), (result.Rules[1].Checked!.Value, result.Rules[1].Unexpected!.Value));
    }

    [Fact]
    public void Range_WithoutATypeRule_ParsesAsDouble()
    {
        var rule = Assert.Single(Validate(Suite(Range("v", 0, 1)), Column("v", "0.5", "1.5", "abc")).Rules);

        Assert.Equal((2L, 1L), (rule.Checked!.Value, rule.Unexpected!.Value));
        Assert.Equal("1 of 2 rows are outside [0, 1] (50%); min 0.5, max 1.5", rule.Observed);
    }

    [Fact]
    public void Range_ColumnMissing_IsSkipped()
    {
        Assert.Equal(RuleVerdict.Skipped, Assert.Single(Validate(Suite(Range("v", 0, 1)), Column("w", "3")).Rules).Verdict);
    }

    // ---- categories ----

    [Theory]
    [InlineData(0.0, 0, RuleVerdict.Passed)]
    [InlineData(0.0, 1, RuleVerdict.Failed)]
    [InlineData(0.1, 1, RuleVerdict.Passed)]
    [InlineData(0.1, 2, RuleVerdict.Failed)]
    public void Categories_UnseenFraction_PassesUpToMaxFraction(double maxFraction, int unseen, RuleVerdict expected)
    {
        var cells = Enumerable.Range(0, 10).Select(i => i < unseen ? "gold" : i % 2 == 0 ? "basic" : "pro").ToArray();

        var rule = Assert.Single(Validate(Suite(Categories("plan", maxFraction, "basic", "pro")), Column("plan", cells)).Rules);

        Assert.Equal(expected, rule.Verdict);
        Assert.Equal(unseen, rule.Unexpected);
    }

    [Fact]
    public void Categories_NullsAreNotUnseenAndNotCounted()
    {
        // 1 unseen of 8 values = 12.5%, above 10%; counting the 2 nulls as checked would give 10% and pass.
        var rule = Assert.Single(Validate(Suite(Categories("plan", 0.1, "basic", "pro")), Column("plan", "basic", "", "pro", "", "basic", "pro", "basic", "pro", "basic", "Pro")).Rules);

        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Equal((8L, 1L), (rule.Checked!.Value, rule.Unexpected!.Value));
        Assert.Equal("1 of 8 values unseen (12.5%)", rule.Observed);
        Assert.Equal("at most 10% outside the 2 allowed categories", rule.Threshold);
        Assert.Equal([new RowExample(10, "Pro", "not an allowed category")], rule.Examples); // ordinal: case matters
    }

    [Fact]
    public void Categories_LongValue_IsClippedInTheExample()
    {
        var value = new string('z', 100);

        var rule = Assert.Single(Validate(Suite(Categories("plan", 0, "basic")), Column("plan", value)).Rules);

        Assert.Equal(new string('z', 80) + "...", Assert.Single(rule.Examples).Value);
    }

    // ---- key uniqueness ----

    [Fact]
    public void Unique_RepeatedKeys_CountsEveryRowWhoseKeyAnEarlierRowHad()
    {
        var table = new TestTable(
            "k1,k2,other",
            "1,x,a",   // 1
            "2,x,b",   // 2
            "1,x,c",   // 3: same key as 1
            "1,,d",    // 4: null k2 is a key of its own
            "1,,e",    // 5: same key as 4
            ",x,f",    // 6
            "ab,c,g",  // 7
            "a,bc,h",  // 8: not the same key as 7
            "1,x,i");  // 9: same key as 1

        var rule = Assert.Single(Validate(Suite(Unique("k1", "k2")), table).Rules);

        Assert.Equal("unique(k1,k2)", rule.Rule);
        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Equal((9L, 3L), (rule.Checked!.Value, rule.Unexpected!.Value));
        Assert.Equal(
            [new RowExample(3, null, "same key as row 1"), new RowExample(5, null, "same key as row 4"), new RowExample(9, null, "same key as row 1")],
            rule.Examples);
    }

    [Fact]
    public void Unique_CellsThatConcatenateAlike_AreDifferentKeys()
    {
        // A separator byte between cells would make these two rows one key; a length per cell does not.
        var table = new TestTable("k1,k2", "a\u0001b,c", "a,b\u0001c", "a\u0001,\u0001bc");

        var rule = Assert.Single(Validate(Suite(Unique("k1", "k2")), table).Rules);

        Assert.Equal(0, rule.Unexpected);
    }

    [Theory]
    [InlineData(0.75, RuleVerdict.Passed)] // 1 duplicate of 4 rows
    [InlineData(0.8, RuleVerdict.Failed)]
    public void Unique_Mostly_ToleratesThatShareOfDuplicates(double mostly, RuleVerdict expected)
    {
        var rule = Assert.Single(Validate(Suite(Unique("id") with { Mostly = mostly }), Column("id", "1", "2", "1", "3")).Rules);

        Assert.Equal(expected, rule.Verdict);
    }

    [Fact]
    public void Unique_KeyColumnMissing_FailsNamingIt()
    {
        var rule = Assert.Single(Validate(Suite(Unique("id", "day")), Column("id", "1")).Rules);

        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Equal("Key column(s) 'day' of unique(id, day) are missing.", rule.Message);
    }

    [Fact]
    public void Unique_CounterSeam_GetsOneHashPerRowAndIsDisposed()
    {
        var counter = new Mock<IDuplicateKeyCounter>();
        var hashes = new List<(ulong Hash, long Row)>();
        counter.Setup(c => c.Add(It.IsAny<ulong>(), It.IsAny<long>())).Callback<ulong, long>((h, r) => hashes.Add((h, r)));
        counter.Setup(c => c.Finish(5)).Returns(new DuplicateKeys(1, [(3, 1)]));

        var rule = Assert.Single(Validate(Suite(Unique("id")), Column("id", "7", "8", "7"), counter: () => counter.Object).Rules);

        Assert.Equal([1L, 2, 3], hashes.Select(h => h.Row));
        Assert.Equal(hashes[0].Hash, hashes[2].Hash);
        Assert.NotEqual(hashes[0].Hash, hashes[1].Hash);
        Assert.Equal(1, rule.Unexpected);
        counter.Verify(c => c.Dispose(), Times.Once);
    }

    // ---- row count ----

    [Theory]
    [InlineData(2L, 4L, 1, RuleVerdict.Failed, "from 2 to 4 rows")]
    [InlineData(2L, 4L, 2, RuleVerdict.Passed, "from 2 to 4 rows")]
    [InlineData(2L, 4L, 4, RuleVerdict.Passed, "from 2 to 4 rows")]
    [InlineData(2L, 4L, 5, RuleVerdict.Failed, "from 2 to 4 rows")]
    [InlineData(null, 3L, 3, RuleVerdict.Passed, "at most 3 rows")]
    [InlineData(3L, null, 2, RuleVerdict.Failed, "at least 3 rows")]
    [InlineData(1L, null, 0, RuleVerdict.Failed, "at least 1 rows")]
    public void RowCount_Bounds_AreInclusive(long? min, long? max, int rows, RuleVerdict expected, string threshold)
    {
        var rule = Assert.Single(Validate(Suite(new Expectation { Kind = ExpectationKind.RowCount, MinRows = min, MaxRows = max }), Column("v", [.. Enumerable.Repeat("1", rows)])).Rules);

        Assert.Equal(expected, rule.Verdict);
        Assert.Equal($"{rows} rows", rule.Observed);
        Assert.Equal(threshold, rule.Threshold);
    }

    // ---- freshness ----

    [Theory]
    [InlineData(0, RuleVerdict.Passed)]
    [InlineData(86400, RuleVerdict.Passed)] // exactly the max age
    [InlineData(86401, RuleVerdict.Failed)]
    public void Freshness_OfTheFile_ComparesItsWriteTimeWithNow(int secondsOld, RuleVerdict expected)
    {
        var rule = Assert.Single(Validate(Suite(Fresh(null, TimeSpan.FromDays(1))), Column("v", "1"), Now, Now.AddSeconds(-secondsOld)).Rules);

        Assert.Equal(expected, rule.Verdict);
        Assert.Equal("freshness(file)", rule.Rule);
    }

    [Fact]
    public void Freshness_OfTheFileWithoutAWriteTime_Fails()
    {
        var rule = Assert.Single(Validate(Suite(Fresh(null, TimeSpan.FromDays(1))), Column("v", "1"), Now, fileTime: null).Rules);

        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Equal("file time unknown", rule.Observed);
    }

    [Theory]
    [InlineData(3, RuleVerdict.Passed)] // newest 10:00, 2 h before now
    [InlineData(1, RuleVerdict.Failed)]
    public void Freshness_OfAColumn_TakesTheNewestParseableTimestamp(int maxAgeHours, RuleVerdict expected)
    {
        var table = Column("at", "2026-11-29T11:00:00Z", "2026-11-30T10:00:00Z", "garbage", "", "2026-11-30T09:00:00+00:00");

        var rule = Assert.Single(Validate(Suite(Fresh("at", TimeSpan.FromHours(maxAgeHours))), table, Now).Rules);

        Assert.Equal(expected, rule.Verdict);
        Assert.Equal("newest 2026-11-30T10:00:00.0000000+00:00", rule.Observed);
        RowExample[] examples = expected == RuleVerdict.Failed ? [new RowExample(3, "garbage", "not a timestamp")] : [];
        Assert.Equal(examples, rule.Examples);
    }

    [Fact]
    public void Freshness_ColumnWithoutAnyTimestamp_Fails()
    {
        var rule = Assert.Single(Validate(Suite(Fresh("at", TimeSpan.FromDays(1))), Column("at", "x", "y", ""), Now).Rules);

        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Equal("Column 'at' has no parseable timestamps (2 unparseable).", rule.Message);
    }

    [Fact]
    public void Freshness_ColumnMissing_Fails()
    {
        var rule = Assert.Single(Validate(Suite(Fresh("at", TimeSpan.FromDays(1))), Column("v", "1"), Now).Rules);

        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Equal("column missing", rule.Observed);
    }

    // ---- label present ----

    [Fact]
    public void LabelPresent_ColumnMissing_FailsAndSaysHowToNameAnother()
    {
        var rule = Assert.Single(Validate(Suite(Label("churned")), Column("age", "1")).Rules);

        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.StartsWith("The label column 'churned' is missing", rule.Message, StringComparison.Ordinal);
        Assert.Contains("labelColumn", rule.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0, new[] { "0", "1", "1", "0" }, RuleVerdict.Passed)]
    [InlineData(0.0, new[] { "0", "", "1", "0" }, RuleVerdict.Failed)]
    [InlineData(0.25, new[] { "0", "", "1", "0" }, RuleVerdict.Passed)]
    public void LabelPresent_MissingLabels_AreToleratedUpToMaxFraction(double maxFraction, string[] labels, RuleVerdict expected)
    {
        var rule = Assert.Single(Validate(Suite(Label("churned") with { MaxFraction = maxFraction }), Column("churned", labels)).Rules);

        Assert.Equal(expected, rule.Verdict);
        Assert.StartsWith("Label column 'churned':", rule.Message, StringComparison.Ordinal);
    }

    // ---- well-formed rows ----

    [Fact]
    public void WellFormedRows_FieldCountMismatch_CountsTheRowsAndSaysWhy()
    {
        var table = new TestTable("a,b,c", "1,2,3", "1,2", "1,2,3,4", "1,2,3");

        var rule = Assert.Single(Validate(Suite(WellFormed()), table).Rules);

        Assert.Equal(RuleVerdict.Failed, rule.Verdict);
        Assert.Equal((4L, 2L), (rule.Checked!.Value, rule.Unexpected!.Value));
        Assert.Equal([new RowExample(2, null, "has 2 fields; the header has 3"), new RowExample(3, null, "has 4 fields; the header has 3")], rule.Examples);
    }

    [Fact]
    public void WellFormedRows_MalformedRecordsFromTheReader_AreAddedAndNamed()
    {
        var table = new TestTable("a,b", "1,2", "1", "3,4", "5,6");
        using var validation = new DatasetValidation(Suite(WellFormed() with { Mostly = 0.5 }), table.Columns, Now, null);
        while (table.Read())
        {
            validation.Observe(table);
        }

        validation.AddMalformedRecords(1, [(4, "a quote inside an unquoted field")]);
        var rule = Assert.Single(validation.Finish().Rules);

        Assert.Equal(RuleVerdict.Passed, rule.Verdict); // 2 of 4 malformed, mostly 0.5
        Assert.Equal("2 of 4 rows are malformed (50%); 1 with broken quoting", rule.Observed);
    }

    [Fact]
    public void WellFormedRows_MoreMalformedThanRows_IsCappedAtTheRowCount()
    {
        var table = new TestTable("a", "1");
        using var validation = new DatasetValidation(Suite(WellFormed()), table.Columns, Now, null);
        table.Read();
        validation.Observe(table);

        validation.AddMalformedRecords(3, []);

        Assert.Equal(1, Assert.Single(validation.Finish().Rules).Unexpected);
    }

    // ---- examples ----

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Examples_ManyOffendingRows_QuotesTheFirstExampleRowsOnly(int exampleRows)
    {
        var cells = Enumerable.Range(1, 9).Select(i => i % 3 == 0 ? "1" : "bad" + i).ToArray(); // 6 bad rows: 1,2,4,5,7,8

        var result = Validate(Suite(exampleRows, Type("v", FeatureType.Int64), Nulls("v", 0), Range("v", 5, 9)), Column("v", cells));

        var type = result.Rules[0];
        Assert.Equal(6, type.Unexpected);
        Assert.Equal(new long[] { 1, 2, 4, 5, 7, 8 }.Take(exampleRows), type.Examples.Select(e => e.Row));
        Assert.Equal("bad1", type.Examples[0].Value);
        Assert.Empty(result.Rules[1].Examples); // passed
        Assert.Equal(3, result.Rules[2].Unexpected); // the three 1s are below 5
        Assert.Equal(new long[] { 3, 6, 9 }.Take(exampleRows), result.Rules[2].Examples.Select(e => e.Row));
    }

    // ---- the quality score and the verdict ----

    [Fact]
    public void Score_MixedVerdicts_IsTheMeanOverEvaluatedRules()
    {
        var result = Validate(
            Suite(
                Present("a"),                                                    // passed: 1
                Type("a", FeatureType.Int64),                                   // 1 bad of 4: 0.75
                new Expectation { Kind = ExpectationKind.RowCount, MinRows = 10 }, // failed, all or nothing: 0
                Range("c", 0, 1),                                               // skipped: not counted
                Nulls("a", 0.5)),                                               // passed: 1
            Column("a", "1", "2", "x", "4"));

        Assert.Equal(
            [RuleVerdict.Passed, RuleVerdict.Failed, RuleVerdict.Failed, RuleVerdict.Skipped, RuleVerdict.Passed],
            result.Rules.Select(r => r.Verdict));
        Assert.Equal(68.8, result.Score); // (1 + 0.75 + 0 + 1) / 4 = 68.75, rounded to one decimal
        Assert.False(result.Passed);
        Assert.Equal(4, result.Rows);
    }

    [Fact]
    public void Score_FailedFractionRule_CountsTheShareOfGoodRows()
    {
        var result = Validate(Suite(Nulls("v", 0.1), Present("v")), Column("v", "", "", "", "a", "b", "c", "d", "e", "f", "g"));

        Assert.Equal(85, result.Score); // (0.7 + 1) / 2
    }

    [Fact]
    public void Score_AllPassed_Is100AndNothingEvaluated_Is0()
    {
        Assert.Equal(100, Validate(Suite(Present("v"), Nulls("v", 0)), Column("v", "1")).Score);
        Assert.Equal(0, Validate(Suite(Range("w", 0, 1)), Column("v", "1")).Score);
        Assert.True(Validate(Suite(Range("w", 0, 1)), Column("v", "1")).Passed); // skipped is not failed
    }

    [Fact]
    public void Unreadable_NamesTheRowAndScoresZero()
    {
        var result = DatasetValidation.Unreadable("The file is empty (0 bytes).", 5);

        var rule = Assert.Single(result.Rules);
        Assert.Equal((ExpectationKind.Readable, RuleVerdict.Failed), (rule.Kind, rule.Verdict));
        Assert.Equal("The file is empty (0 bytes). (row 5)", rule.Message);
        Assert.Equal(0, result.Score);
        Assert.False(result.Passed);
        Assert.Equal("The file is empty (0 bytes).", Assert.Single(DatasetValidation.Unreadable("The file is empty (0 bytes).", null).Rules).Message);
    }

    [Fact]
    public void UnknownModel_FailsTheModelKnownRule()
    {
        var rule = Assert.Single(DatasetValidation.UnknownModel("ghost").Rules);

        Assert.Equal((ExpectationKind.ModelKnown, RuleVerdict.Failed), (rule.Kind, rule.Verdict));
        Assert.Contains("datasets/ghost/", rule.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_EveryRule_ResultsComeInSuiteOrderWithTheirKeysAndSources()
    {
        var suite = Suite(WellFormed(), Present("v"), Type("v", FeatureType.Float) with { Source = ExpectationSource.Schema }, Label("y"));

        var result = Validate(suite, new TestTable("v,y", "1,0"));

        Assert.Equal(["wellFormedRows", "columnPresent(v)", "columnType(v)", "labelPresent(y)"], result.Rules.Select(r => r.Rule));
        Assert.Equal(ExpectationSource.Schema, result.Rules[2].Source);
        Assert.Equal("v", result.Rules[2].Column);
        Assert.Equal(["v", "y"], result.Columns.Select(c => c.Name));
    }

    private static Expectation WellFormed() => new() { Kind = ExpectationKind.WellFormedRows };

    private static Expectation Present(string column) => new() { Kind = ExpectationKind.ColumnPresent, Column = column };

    private static Expectation Type(string column, FeatureType type) => new() { Kind = ExpectationKind.ColumnType, Column = column, Type = type };

    private static Expectation Nulls(string column, double maxFraction) => new() { Kind = ExpectationKind.NullFraction, Column = column, MaxFraction = maxFraction };

    private static Expectation Range(string column, double? min, double? max) => new() { Kind = ExpectationKind.Range, Column = column, Min = min, Max = max };

    private static Expectation Categories(string column, double maxFraction, params string[] values) =>
        new() { Kind = ExpectationKind.Categories, Column = column, Categories = values, MaxFraction = maxFraction };

    private static Expectation Unique(params string[] columns) => new() { Kind = ExpectationKind.Unique, Columns = columns };

    private static Expectation Fresh(string? column, TimeSpan maxAge) => new() { Kind = ExpectationKind.Freshness, Column = column, MaxAge = maxAge };

    private static Expectation Label(string column) => new() { Kind = ExpectationKind.LabelPresent, Column = column, MaxFraction = 0 };
}
