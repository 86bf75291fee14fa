using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using MLOps.Domain.Features;

namespace MLOps.Domain.Validation;

/// <summary>The outcome of checking one file against a suite.</summary>
public sealed record DatasetValidationResult(long Rows, IReadOnlyList<DatasetColumn> Columns, IReadOnlyList<RuleResult> Rules)
{
    /// <summary>True when no evaluated rule failed.</summary>
    public bool Passed => Rules.All(r => r.Verdict != RuleVerdict.Failed);

    /// <summary>
    /// Data-quality score from 0 to 100: the mean over evaluated rules of 1 for a pass and, for a failure, the share of
    /// checked rows that met the rule (0 for all-or-nothing rules).
    /// </summary>
    public double Score
    {
        get
        {
            var evaluated = Rules.Where(r => r.Verdict != RuleVerdict.Skipped).ToList();
            if (evaluated.Count == 0)
            {
                return 0;
            }

            var sum = evaluated.Sum(r => r.Verdict == RuleVerdict.Passed ? 1 : r.UnexpectedFraction is { } f ? Math.Max(0, 1 - f) : 0);
            return Math.Round(100 * sum / evaluated.Count, 1);
        }
    }
}

/// <summary>
/// Checks one file against an <see cref="ExpectationSuite"/> in a single streaming pass: feed it every row, then
/// <see cref="Finish"/>. Memory is bounded by the rules (example rows, category sets), not by the file; uniqueness keys go
/// to an <see cref="IDuplicateKeyCounter"/> that the host bounds.
/// </summary>
/// <remarks>
/// Each cell a rule needs is read and parsed once per row, however many rules read it: a <see cref="Probe"/> per column
/// loads the cell and hands it straight to the column's null, type, range and category checks. Only the rules that look
/// at whole rows (well-formedness, uniqueness, freshness of a column) are called per row themselves; the rest have nothing
/// to do until <see cref="Finish"/>.
/// </remarks>
public sealed class DatasetValidation : IDisposable
{
    private readonly IReadOnlyList<DatasetColumn> _columns;
    private readonly Probe?[] _probes;
    private readonly Probe[] _activeProbes;
    private readonly List<Check> _checks = [];
    private readonly Check[] _rowChecks;
    private readonly WellFormedCheck? _wellFormed;
    private readonly int _examples;
    private long _rows;

    /// <param name="suite">The rules.</param>
    /// <param name="columns">The file's columns (header or schema).</param>
    /// <param name="now">The validation time, for freshness.</param>
    /// <param name="fileTime">When the file was last written, for freshness without a column.</param>
    /// <param name="duplicateCounter">Creates one counter per uniqueness rule.</param>
    public DatasetValidation(ExpectationSuite suite, IReadOnlyList<DatasetColumn> columns, DateTimeOffset now, DateTimeOffset? fileTime, Func<IDuplicateKeyCounter>? duplicateCounter = null)
    {
        _columns = columns;
        _examples = suite.Settings.ExampleRows;
        _probes = new Probe?[columns.Count];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = columns.Count - 1; i >= 0; i--)
        {
            index[columns[i].Name] = i; // the first of duplicate names wins
        }

        duplicateCounter ??= () => new InMemoryDuplicateKeyCounter();
        foreach (var rule in suite.Rules)
        {
            int? column = rule.Column is { } name && index.TryGetValue(name, out var c) ? c : null;
            Check check = rule.Kind switch
            {
                ExpectationKind.WellFormedRows => _wellFormed = new WellFormedCheck(rule, this),
                ExpectationKind.ColumnPresent => new PresenceCheck(rule, this, column),
                ExpectationKind.ColumnType => new TypeCheck(rule, this, column, column is { } t ? ProbeFor(t, rule.Type) : null),
                ExpectationKind.NullFraction or ExpectationKind.LabelPresent => new NullCheck(rule, this, column, column is { } n ? ProbeFor(n, TypeOf(suite, rule.Column)) : null),
                ExpectationKind.Range => new RangeCheck(rule, this, column, column is { } r ? ProbeFor(r, NumericTypeOf(suite, rule.Column)) : null),
                ExpectationKind.Categories => new CategoryCheck(rule, this, column is { } k ? ProbeFor(k, FeatureType.String) : null),
                ExpectationKind.Unique => new UniqueCheck(rule, this, rule.Columns!.Select(n => index.TryGetValue(n, out var u) ? u : -1).ToArray(), duplicateCounter),
                ExpectationKind.RowCount => new RowCountCheck(rule, this),
                ExpectationKind.Freshness => new FreshnessCheck(rule, this, column, now, fileTime),
                _ => throw new ArgumentOutOfRangeException(nameof(suite), $"Rule kind {rule.Kind} is not evaluated on rows."),
            };
            _checks.Add(check);
        }

        _activeProbes = [.. _probes.OfType<Probe>().Where(p => p.Seal())];
        _rowChecks = [.. _checks.Where(c => c.ObservesRows)];
    }

    /// <summary>The result for a file that could not be read as a table at all.</summary>
    public static DatasetValidationResult Unreadable(string message, long? row) => new(0, [], [Failed(ExpectationKind.Readable, "not readable", "a readable CSV or Parquet table", row is { } r ? $"{message} (row {r})" : message)]);

    /// <summary>The result for a file uploaded under a model that is not registered.</summary>
    public static DatasetValidationResult UnknownModel(string model) => new(0, [], [Failed(
        ExpectationKind.ModelKnown,
        $"model '{model}' is not registered",
        "a registered model",
        $"The file is under datasets/{model}/, but no model '{model}' is registered. Register the model first, or upload under the folder of an existing model.")]);

    public void Observe(ITabularRow row)
    {
        _rows++;
        foreach (var probe in _activeProbes)
        {
            probe.Observe(row);
        }

        foreach (var check in _rowChecks)
        {
            check.Observe(row);
        }
    }

    /// <summary>Adds the reader's count of records with broken quoting to the well-formedness rule.</summary>
    public void AddMalformedRecords(long count, IEnumerable<(long Row, string Message)> examples) => _wellFormed?.AddMalformed(count, examples);

    public DatasetValidationResult Finish() => new(_rows, _columns, _checks.Select(c => c.Finish()).ToList());

    public void Dispose()
    {
        foreach (var check in _checks)
        {
            (check as IDisposable)?.Dispose();
        }
    }

    private static RuleResult Failed(ExpectationKind kind, string observed, string threshold, string message) => new()
    {
        Rule = Expectation.Name(kind),
        Kind = kind,
        Verdict = RuleVerdict.Failed,
        Observed = observed,
        Threshold = threshold,
        Source = ExpectationSource.Format,
        Message = message,
    };

    private static FeatureType? TypeOf(ExpectationSuite suite, string? column) =>
        suite.Rules.FirstOrDefault(r => r.Kind == ExpectationKind.ColumnType && r.Column == column)?.Type;

    private static FeatureType NumericTypeOf(ExpectationSuite suite, string? column) =>
        TypeOf(suite, column) is { } type && type.IsNumeric() ? type : FeatureType.Double;

    private static string F(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string N(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private static string Clip(ReadOnlySpan<char> value) => value.Length <= 80 ? value.ToString() : string.Concat(value[..80], "...");

    /// <summary>Shares the probe of a column between rules; the most specific type asked for wins.</summary>
    private Probe ProbeFor(int column, FeatureType? type)
    {
        var probe = _probes[column] ??= new Probe(column);
        if (type is { } t && (probe.Type is null || probe.Type == FeatureType.String))
        {
            probe.Type = t;
        }

        return probe;
    }

    /// <summary>One column's cell in the current row, read and parsed once and handed to every rule about the column.</summary>
    private sealed class Probe(int column)
    {
        private readonly List<NullCheck> _nullList = [];
        private readonly List<TypeCheck> _typeList = [];
        private readonly List<RangeCheck> _rangeList = [];
        private readonly List<CategoryCheck> _categoryList = [];
        private NullCheck[] _nulls = [];
        private TypeCheck[] _types = [];
        private RangeCheck[] _ranges = [];
        private CategoryCheck[] _categories = [];
        private FeatureType _parse = FeatureType.String;

        public int Column { get; } = column;

        public FeatureType? Type { get; set; }

        public bool IsNull { get; private set; }

        /// <summary>The cell is a valid value of <see cref="Type"/>.</summary>
        public bool Valid { get; private set; }

        public double Number { get; private set; }

        public void Add(NullCheck check) => _nullList.Add(check);

        public void Add(TypeCheck check) => _typeList.Add(check);

        public void Add(RangeCheck check) => _rangeList.Add(check);

        public void Add(CategoryCheck check) => _categoryList.Add(check);

        /// <summary>Fixes the rules of the column for the hot loop; false when no rule reads the cells.</summary>
        public bool Seal()
        {
            // Float and double cells are both read as double; text and untyped cells are only checked for null.
            _parse = Type switch
            {
                FeatureType.Float or FeatureType.Double => FeatureType.Float,
                FeatureType.Int32 or FeatureType.Int64 or FeatureType.Bool => Type.Value,
                _ => FeatureType.String,
            };
            (_nulls, _types, _ranges, _categories) = ([.. _nullList], [.. _typeList], [.. _rangeList], [.. _categoryList]);
            return _nulls.Length + _types.Length + _ranges.Length + _categories.Length > 0;
        }

        public void Observe(ITabularRow row)
        {
            Load(row);
            if (IsNull)
            {
                foreach (var check in _nulls)
                {
                    check.OnNull(row.RowNumber);
                }

                return;
            }

            foreach (var check in _types)
            {
                check.OnValue(row, this);
            }

            if (Valid)
            {
                foreach (var check in _ranges)
                {
                    check.OnNumber(row.RowNumber, Number);
                }
            }

            if (_categories.Length > 0 && row.TryGetUtf8(Column, out var text))
            {
                foreach (var check in _categories)
                {
                    check.OnText(row, Column, text);
                }
            }
        }

        private void Load(ITabularRow row)
        {
            Valid = false;
            switch (_parse)
            {
                case FeatureType.Float:
                    if (row.TryGetDouble(Column, out var d))
                    {
                        IsNull = double.IsNaN(d); // NaN is a missing value, as the model and the profile treat it
                        Valid = double.IsFinite(d);
                        Number = d;
                        return;
                    }

                    break;
                case FeatureType.Int32 or FeatureType.Int64:
                    if (row.TryGetInt64(Column, out var l))
                    {
                        IsNull = false;
                        Valid = _parse == FeatureType.Int64 || l is >= int.MinValue and <= int.MaxValue;
                        Number = l;
                        return;
                    }

                    break;
                case FeatureType.Bool:
                    if (row.TryGetBoolean(Column, out _))
                    {
                        IsNull = false;
                        Valid = true;
                        return;
                    }

                    break;
                default:
                    IsNull = row.IsNull(Column);
                    Valid = !IsNull;
                    return;
            }

            // Not a value of the type: a missing cell, or a type error.
            IsNull = row.IsNull(Column);
        }
    }

    private abstract class Check(Expectation rule, DatasetValidation owner)
    {
        protected Expectation Rule { get; } = rule;

        protected DatasetValidation Owner { get; } = owner;

        protected List<RowExample> Examples { get; } = [];

        /// <summary>Whether <see cref="Observe"/> must see every row; rules fed by a <see cref="Probe"/> need not.</summary>
        public virtual bool ObservesRows => false;

        public virtual void Observe(ITabularRow row)
        {
        }

        public abstract RuleResult Finish();

        /// <summary>Whether another example row is wanted; checked before an example's text is built, which costs allocations.</summary>
        protected bool WantsExample => Examples.Count < Owner._examples;

        protected void Example(long row, string? value, string reason)
        {
            if (WantsExample)
            {
                Examples.Add(new RowExample(row, value, reason));
            }
        }

        protected RuleResult Result(RuleVerdict verdict, string observed, string threshold, string message, long? @checked = null, long? unexpected = null) => new()
        {
            Rule = Rule.Key,
            Kind = Rule.Kind,
            Column = Rule.Column,
            Verdict = verdict,
            Observed = observed,
            Threshold = threshold,
            Checked = @checked,
            Unexpected = unexpected,
            UnexpectedFraction = @checked is > 0 && unexpected is { } u ? Math.Round((double)u / @checked.Value, 6) : @checked == 0 ? 0 : null,
            Mostly = Rule.IsRowLevel ? Rule.Mostly : null,
            Source = Rule.Source,
            Examples = verdict == RuleVerdict.Failed ? [.. Examples] : [],
            Message = message,
        };

        protected RuleResult MissingColumn(string name) => Result(
            RuleVerdict.Skipped, "column missing", "column present", $"Not checked: the file has no column '{name}' (see columnPresent).");

        /// <summary>Row-level verdict: at least <see cref="Expectation.Mostly"/> of the checked rows are fine.</summary>
        protected RuleResult RowLevel(long @checked, long unexpected, string what, string requirement)
        {
            var fraction = @checked == 0 ? 0 : (double)unexpected / @checked;
            var passed = fraction <= 1 - Rule.Mostly + 1e-12;
            var threshold = Rule.Mostly >= 1 ? $"{requirement} in every row" : $"{requirement} in at least {F(Rule.Mostly * 100)}% of rows";
            var observed = $"{unexpected} of {@checked} rows {what} ({F(fraction * 100)}%)";
            var message = passed
                ? $"{Rule.Key} holds: {observed}."
                : $"{Rule.Key} fails: {observed}; required {threshold}.";
            return Result(passed ? RuleVerdict.Passed : RuleVerdict.Failed, observed, threshold, message, @checked, unexpected);
        }
    }

    private sealed class WellFormedCheck(Expectation rule, DatasetValidation owner) : Check(rule, owner)
    {
        private long _bad;
        private long _malformed;

        public override bool ObservesRows => true;

        public override void Observe(ITabularRow row)
        {
            if (row.FieldCount != Owner._columns.Count)
            {
                _bad++;
                if (WantsExample)
                {
                    Example(row.RowNumber, null, $"has {row.FieldCount} fields; the header has {Owner._columns.Count}");
                }
            }
        }

        public void AddMalformed(long count, IEnumerable<(long Row, string Message)> examples)
        {
            _malformed += count;
            foreach (var (row, message) in examples)
            {
                Example(row, null, message);
            }
        }

        public override RuleResult Finish()
        {
            var result = RowLevel(Owner._rows, Math.Min(Owner._rows, _bad + _malformed), "are malformed", "the header's field count and valid quoting");
            return _malformed > 0 ? result with { Observed = result.Observed + $"; {_malformed} with broken quoting" } : result;
        }
    }

    private sealed class PresenceCheck(Expectation rule, DatasetValidation owner, int? column) : Check(rule, owner)
    {
        public override RuleResult Finish()
        {
            if (column is not null)
            {
                return Result(RuleVerdict.Passed, "present", "present", $"Column '{Rule.Column}' is present.");
            }

            var header = Owner._columns;
            var hint = string.Empty;
            if (header.Count == 1 && header[0].Name.IndexOfAny([';', '\t', '|', ',']) is var at and >= 0)
            {
                var found = header[0].Name[at] == '\t' ? "\\t" : header[0].Name[at].ToString();
                hint = $" The header is a single column containing '{found}': the file seems to use '{found}' as its delimiter.";
            }

            var names = string.Join(", ", header.Take(20).Select(c => "'" + Clip(c.Name) + "'"));
            return Result(
                RuleVerdict.Failed,
                "missing",
                "present",
                $"Column '{Rule.Column}' is missing. The file has {header.Count} column(s): {names}{(header.Count > 20 ? ", ..." : string.Empty)}.{hint}");
        }
    }

    private sealed class TypeCheck : Check
    {
        private readonly Probe? _probe;
        private readonly string? _declaredMismatch;
        private long _checked;
        private long _bad;

        public TypeCheck(Expectation rule, DatasetValidation owner, int? column, Probe? probe)
            : base(rule, owner)
        {
            _probe = probe;
            probe?.Add(this);
            if (column is { } c && rule.Type is { } type && !Compatible(owner._columns[c].Declared, type))
            {
                _declaredMismatch = $"the file declares the column as {owner._columns[c].Declared.ToString().ToLowerInvariant()}";
            }
        }

        /// <summary>A non-null cell of the column.</summary>
        public void OnValue(ITabularRow row, Probe probe)
        {
            _checked++;
            if (_declaredMismatch is not null || !probe.Valid)
            {
                _bad++;
                if (WantsExample)
                {
                    Example(row.RowNumber, Clip(row.GetChars(probe.Column)), $"not a valid {Rule.Type!.Value.ToName()}");
                }
            }
        }

        public override RuleResult Finish()
        {
            if (_probe is null)
            {
                return MissingColumn(Rule.Column!);
            }

            var type = Rule.Type!.Value.ToName();
            if (_declaredMismatch is not null)
            {
                return Result(RuleVerdict.Failed, _declaredMismatch, $"values of type {type}", $"Column '{Rule.Column}' should hold {type} values, but {_declaredMismatch}.", _checked, _checked);
            }

            return RowLevel(_checked, _bad, $"are not {type}", $"a {type} value");
        }

        private static bool Compatible(DeclaredKind declared, FeatureType type) => declared switch
        {
            DeclaredKind.Untyped => true,
            DeclaredKind.Integer => type.IsNumeric(),
            DeclaredKind.Real => type is FeatureType.Float or FeatureType.Double,
            DeclaredKind.Boolean => type == FeatureType.Bool,
            DeclaredKind.Text => true, // text cells are parsed, as in CSV
            _ => type == FeatureType.String,
        };
    }

    private sealed class NullCheck : Check
    {
        private readonly int? _column;
        private long _nulls;

        public NullCheck(Expectation rule, DatasetValidation owner, int? column, Probe? probe)
            : base(rule, owner)
        {
            _column = column;
            probe?.Add(this);
        }

        public void OnNull(long row)
        {
            _nulls++;
            Example(row, null, "missing value");
        }

        public override RuleResult Finish()
        {
            var label = Rule.Kind == ExpectationKind.LabelPresent;
            if (_column is null)
            {
                return label
                    ? Result(RuleVerdict.Failed, "missing", "present", $"The label column '{Rule.Column}' is missing: training data needs it. Set labelColumn in the model's expectations if the label has another name.")
                    : MissingColumn(Rule.Column!);
            }

            var rows = Owner._rows;
            var max = Rule.MaxFraction ?? 0;
            var fraction = rows == 0 ? 0 : (double)_nulls / rows;
            var passed = fraction <= max + 1e-12;
            var observed = $"{_nulls} of {rows} rows missing ({F(fraction * 100)}%)";
            var threshold = max == 0 ? "no missing values" : $"at most {F(max * 100)}% missing";
            var what = label ? $"Label column '{Rule.Column}'" : $"Column '{Rule.Column}'";
            return Result(passed ? RuleVerdict.Passed : RuleVerdict.Failed, observed, threshold, $"{what}: {observed}; allowed {threshold}.", rows, _nulls);
        }
    }

    private sealed class RangeCheck : Check
    {
        private readonly int? _column;
        private readonly double _low;
        private readonly double _high;
        private long _checked;
        private long _bad;
        private double _min = double.PositiveInfinity;
        private double _max = double.NegativeInfinity;

        public RangeCheck(Expectation rule, DatasetValidation owner, int? column, Probe? probe)
            : base(rule, owner)
        {
            _column = column;
            _low = rule.Min ?? double.NegativeInfinity;
            _high = rule.Max ?? double.PositiveInfinity;
            probe?.Add(this);
        }

        /// <summary>A valid (finite) value of the column.</summary>
        public void OnNumber(long row, double v)
        {
            _checked++;
            _min = Math.Min(_min, v);
            _max = Math.Max(_max, v);
            if (v < _low || v > _high)
            {
                _bad++;
                if (WantsExample)
                {
                    Example(row, N(v), v < _low ? $"below {N(_low)}" : $"above {N(_high)}");
                }
            }
        }

        public override RuleResult Finish()
        {
            if (_column is null)
            {
                return MissingColumn(Rule.Column!);
            }

            var bounds = $"[{(Rule.Min is { } lo ? N(lo) : "-inf")}, {(Rule.Max is { } hi ? N(hi) : "+inf")}]";
            var result = RowLevel(_checked, _bad, $"are outside {bounds}", $"within {bounds}");
            return _checked == 0 ? result : result with { Observed = $"{result.Observed}; min {N(_min)}, max {N(_max)}" };
        }
    }

    private sealed class CategoryCheck : Check
    {
        /// <summary>Up to this many categories a scan beats hashing the cell (most category columns are short lists).</summary>
        private const int ScanLimit = 16;

        private readonly Probe? _probe;
        private readonly byte[][] _few;
        private readonly HashSet<byte[]>.AlternateLookup<ReadOnlySpan<byte>> _allowed;
        private long _checked;
        private long _unseen;

        public CategoryCheck(Expectation rule, DatasetValidation owner, Probe? probe)
            : base(rule, owner)
        {
            _probe = probe;
            probe?.Add(this);

            // Keyed by UTF-8 bytes, so a CSV cell is looked up as the reader holds it, without transcoding.
            var allowed = new HashSet<byte[]>((rule.Categories ?? []).Select(Encoding.UTF8.GetBytes), Utf8Comparer.Instance);
            _allowed = allowed.GetAlternateLookup<ReadOnlySpan<byte>>();
            _few = allowed.Count <= ScanLimit ? [.. allowed] : [];
        }

        /// <summary>A non-null cell of the column, as UTF-8.</summary>
        public void OnText(ITabularRow row, int column, ReadOnlySpan<byte> value)
        {
            _checked++;
            if (!Allowed(value))
            {
                _unseen++;
                if (WantsExample)
                {
                    Example(row.RowNumber, Clip(row.GetChars(column)), "not an allowed category");
                }
            }
        }

        private bool Allowed(ReadOnlySpan<byte> value)
        {
            if (_few.Length == 0)
            {
                return _allowed.Contains(value);
            }

            foreach (var category in _few)
            {
                if (value.SequenceEqual(category))
                {
                    return true;
                }
            }

            return false;
        }

        public override RuleResult Finish()
        {
            if (_probe is null)
            {
                return MissingColumn(Rule.Column!);
            }

            var max = Rule.MaxFraction ?? 0;
            var fraction = _checked == 0 ? 0 : (double)_unseen / _checked;
            var passed = fraction <= max + 1e-12;
            var observed = $"{_unseen} of {_checked} values unseen ({F(fraction * 100)}%)";
            var threshold = max == 0 ? $"only the {Rule.Categories!.Count} allowed categories" : $"at most {F(max * 100)}% outside the {Rule.Categories!.Count} allowed categories";
            return Result(passed ? RuleVerdict.Passed : RuleVerdict.Failed, observed, threshold, $"Column '{Rule.Column}': {observed}; allowed {threshold}.", _checked, _unseen);
        }
    }

    private sealed class UniqueCheck(Expectation rule, DatasetValidation owner, int[] keys, Func<IDuplicateKeyCounter> create) : Check(rule, owner), IDisposable
    {
        private readonly IDuplicateKeyCounter? _counter = keys.All(k => k >= 0) ? create() : null;
        private byte[] _key = new byte[256];

        public override bool ObservesRows => _counter is not null;

        public override void Observe(ITabularRow row)
        {
            // The key is each cell's length (-1 for null) and UTF-8 bytes, so ("ab","c"), ("a","bc") and (null,"")
            // differ; it is hashed in one call over a reused buffer.
            var length = 0;
            foreach (var key in keys)
            {
                length = row.TryGetUtf8(key, out var text) ? Put(length, text.Length, text) : Put(length, -1, []);
            }

            _counter!.Add(XxHash3.HashToUInt64(_key.AsSpan(0, length)), row.RowNumber);
        }

        public override RuleResult Finish()
        {
            var names = string.Join(", ", Rule.Columns!);
            if (_counter is null)
            {
                var missing = string.Join(", ", Rule.Columns!.Where((_, i) => keys[i] < 0).Select(n => "'" + n + "'"));
                return Result(RuleVerdict.Failed, "key column missing", "unique keys", $"Key column(s) {missing} of unique({names}) are missing.");
            }

            var found = _counter.Finish(Owner._examples);
            foreach (var (row, first) in found.Examples)
            {
                Example(row, null, $"same key as row {first}");
            }

            return RowLevel(Owner._rows, found.Duplicates, "repeat an earlier key", $"a key ({names}) not seen in an earlier row");
        }

        public void Dispose() => _counter?.Dispose();

        private int Put(int at, int length, ReadOnlySpan<byte> text)
        {
            var end = at + sizeof(int) + text.Length;
            if (end > _key.Length)
            {
                Array.Resize(ref _key, Math.Max(end, _key.Length * 2));
            }

            BinaryPrimitives.WriteInt32LittleEndian(_key.AsSpan(at), length);
            text.CopyTo(_key.AsSpan(at + sizeof(int)));
            return end;
        }
    }

    private sealed class RowCountCheck(Expectation rule, DatasetValidation owner) : Check(rule, owner)
    {
        public override RuleResult Finish()
        {
            var rows = Owner._rows;
            var passed = (Rule.MinRows is not { } lo || rows >= lo) && (Rule.MaxRows is not { } hi || rows <= hi);
            var threshold = (Rule.MinRows, Rule.MaxRows) switch
            {
                ({ } a, { } b) => $"from {a} to {b} rows",
                ({ } a, null) => $"at least {a} rows",
                (null, { } b) => $"at most {b} rows",
                _ => "any number of rows",
            };
            return Result(passed ? RuleVerdict.Passed : RuleVerdict.Failed, $"{rows} rows", threshold, $"The file has {rows} data rows; required {threshold}.");
        }
    }

    private sealed class FreshnessCheck(Expectation rule, DatasetValidation owner, int? column, DateTimeOffset now, DateTimeOffset? fileTime) : Check(rule, owner)
    {
        private DateTimeOffset? _newest;
        private long _unparsed;

        public override bool ObservesRows => column is not null;

        public override void Observe(ITabularRow row)
        {
            if (column is not { } c || row.IsNull(c))
            {
                return;
            }

            if (row.TryGetDateTimeOffset(c, out var at))
            {
                _newest = _newest is { } n && n >= at ? n : at;
            }
            else
            {
                _unparsed++;
                if (WantsExample)
                {
                    Example(row.RowNumber, Clip(row.GetChars(c)), "not a timestamp");
                }
            }
        }

        public override RuleResult Finish()
        {
            var maxAge = Rule.MaxAge!.Value;
            var threshold = $"newest at or after {(now - maxAge).ToString("O", CultureInfo.InvariantCulture)} (max age {maxAge})";
            if (Rule.Column is null)
            {
                var passed = fileTime is { } t && now - t <= maxAge;
                var observed = fileTime is { } ft ? $"file written {ft.ToString("O", CultureInfo.InvariantCulture)}" : "file time unknown";
                return Result(passed ? RuleVerdict.Passed : RuleVerdict.Failed, observed, threshold, $"File freshness: {observed}; required {threshold}.");
            }

            if (column is null)
            {
                return Result(RuleVerdict.Failed, "column missing", threshold, $"The timestamp column '{Rule.Column}' for freshness is missing.");
            }

            if (_newest is not { } newest)
            {
                return Result(RuleVerdict.Failed, "no timestamps", threshold, $"Column '{Rule.Column}' has no parseable timestamps ({_unparsed} unparseable).");
            }

            var fresh = now - newest <= maxAge;
            var seen = $"newest {newest.ToString("O", CultureInfo.InvariantCulture)}";
            return Result(fresh ? RuleVerdict.Passed : RuleVerdict.Failed, seen, threshold, $"Freshness of '{Rule.Column}': {seen}; required {threshold}.");
        }
    }

    /// <summary>Ordinal equality of UTF-8 text, with lookups by span so that no array is made per cell.</summary>
    private sealed class Utf8Comparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static Utf8Comparer Instance { get; } = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => (int)XxHash3.HashToUInt64(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
