using System.Text.Json.Serialization;
using MLOps.Domain.Features;

namespace MLOps.Domain.Validation;

/// <summary>What a rule checks.</summary>
public enum ExpectationKind
{
    /// <summary>The file can be read as a table at all (not empty, not binary, not truncated Parquet). Always checked.</summary>
    Readable,

    /// <summary>The dataset is for a registered model. Always checked.</summary>
    ModelKnown,

    /// <summary>Every row has as many fields as the header and no broken quoting (CSV). Always checked.</summary>
    WellFormedRows,

    ColumnPresent,
    ColumnType,
    NullFraction,
    Range,
    Categories,
    Unique,
    RowCount,
    Freshness,
    LabelPresent,
}

/// <summary>Where a rule came from: the model's feature schema, its reference profile, the file format, or the user.</summary>
public enum ExpectationSource
{
    Schema,
    Profile,
    Format,
    User,
}

/// <summary>One data expectation, in the manner of Great Expectations: a check and how much failure it tolerates.</summary>
/// <remarks>
/// Row-level rules (<see cref="ExpectationKind.ColumnType"/>, <see cref="ExpectationKind.Range"/>,
/// <see cref="ExpectationKind.Unique"/>, <see cref="ExpectationKind.WellFormedRows"/>) pass when at least
/// <see cref="Mostly"/> of the rows they apply to meet them. Fraction rules (<see cref="ExpectationKind.NullFraction"/>,
/// <see cref="ExpectationKind.Categories"/> for unseen values, <see cref="ExpectationKind.LabelPresent"/> for missing
/// labels) state their tolerance as <see cref="MaxFraction"/>; the others are all-or-nothing.
/// </remarks>
public sealed record Expectation
{
    public required ExpectationKind Kind { get; init; }

    /// <summary>The column the rule is about (every kind but Unique, RowCount, Readable, ModelKnown, WellFormedRows).</summary>
    public string? Column { get; init; }

    /// <summary>Key columns whose combined value must be unique (<see cref="ExpectationKind.Unique"/>).</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>The value type (<see cref="ExpectationKind.ColumnType"/>).</summary>
    public FeatureType? Type { get; init; }

    /// <summary>Inclusive numeric bounds (<see cref="ExpectationKind.Range"/>).</summary>
    public double? Min { get; init; }

    public double? Max { get; init; }

    /// <summary>Row count bounds (<see cref="ExpectationKind.RowCount"/>).</summary>
    public long? MinRows { get; init; }

    public long? MaxRows { get; init; }

    /// <summary>The largest tolerated share of nulls, unseen categories or missing labels.</summary>
    public double? MaxFraction { get; init; }

    /// <summary>The accepted values (<see cref="ExpectationKind.Categories"/>).</summary>
    public IReadOnlyList<string>? Categories { get; init; }

    /// <summary>How old the newest timestamp in <see cref="Column"/> (or the file itself, without a column) may be.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>The share of rows that must meet a row-level rule, from 0 to 1 (default 1: every row).</summary>
    public double Mostly { get; init; } = 1.0;

    public ExpectationSource Source { get; init; } = ExpectationSource.User;

    /// <summary>Identifies the rule within a suite: a user rule replaces a derived one with the same key.</summary>
    [JsonIgnore]
    public string Key => Kind switch
    {
        ExpectationKind.Unique => $"unique({string.Join(",", Columns ?? [])})",
        ExpectationKind.RowCount or ExpectationKind.Readable or ExpectationKind.ModelKnown or ExpectationKind.WellFormedRows => Name(Kind),
        ExpectationKind.Freshness when Column is null => "freshness(file)",
        _ => $"{Name(Kind)}({Column})",
    };

    [JsonIgnore]
    public bool IsRowLevel => Kind is ExpectationKind.ColumnType or ExpectationKind.Range or ExpectationKind.Unique or ExpectationKind.WellFormedRows;

    public static string Name(ExpectationKind kind) => kind switch
    {
        ExpectationKind.Readable => "readable",
        ExpectationKind.ModelKnown => "modelKnown",
        ExpectationKind.WellFormedRows => "wellFormedRows",
        ExpectationKind.ColumnPresent => "columnPresent",
        ExpectationKind.ColumnType => "columnType",
        ExpectationKind.NullFraction => "nullFraction",
        ExpectationKind.Range => "range",
        ExpectationKind.Categories => "categories",
        ExpectationKind.Unique => "unique",
        ExpectationKind.RowCount => "rowCount",
        ExpectationKind.Freshness => "freshness",
        ExpectationKind.LabelPresent => "labelPresent",
        _ => kind.ToString(),
    };
}
