using System.Globalization;
using System.Text;
using MLOps.Domain.Evaluation;
using MLOps.Domain.Gates;
using MLOps.Domain.Registry;
using MLOps.Domain.Splits;

namespace MLOps.Domain.Cards;

/// <summary>
/// What a reader needs to judge a model version: what it is for, what it learned from, how it was trained, how well it
/// did, which gates it passed, what it cannot do, and where it came from. Stored with the version as JSON and Markdown.
/// </summary>
public sealed record ModelCard
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string Model { get; init; }

    public required int Version { get; init; }

    public required ModelTask Task { get; init; }

    public string? Description { get; init; }

    /// <summary>As the person who asked for the training wrote it; "not stated" otherwise.</summary>
    public required string IntendedUse { get; init; }

    public required CardData Data { get; init; }

    public required CardTraining Training { get; init; }

    /// <summary>Headline metrics on the holdout, by <see cref="MetricNames"/>.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>The champion's metrics on the same holdout, when it could be scored.</summary>
    public IReadOnlyDictionary<string, double>? ChampionMetrics { get; init; }

    public required GateReport Gates { get; init; }

    public required IReadOnlyList<string> Limitations { get; init; }

    public required CardLineage Lineage { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    /// <summary>The card as Markdown, for people; the JSON is for tools.</summary>
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Model card: {Model} version {Version}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{Task} model trained with `{Training.Trainer}` on {CreatedAt:yyyy-MM-dd HH:mm} UTC by {CreatedBy}.");
        if (!string.IsNullOrWhiteSpace(Description))
        {
            md.AppendLine().AppendLine(Escape(Description));
        }

        md.AppendLine().AppendLine("## Intended use").AppendLine().AppendLine(Escape(IntendedUse));

        md.AppendLine().AppendLine("## Data").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Dataset: `{Data.Uri}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- SHA-256: `{Data.Sha256}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Rows: {Data.Rows:N0} ({Data.Split.TrainRows:N0} train, {Data.Split.HoldoutRows:N0} holdout); format {Data.Format}, {Data.Bytes:N0} bytes");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Label: `{Data.Label}`{(Data.Classes.Count > 0 ? $" with classes {string.Join(", ", Data.Classes.Select(c => $"`{Escape(c)}`"))}" : string.Empty)}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Split: seed {Data.Split.Seed}, holdout fraction {Data.Split.HoldoutFraction:G4}, {(Data.Split.Stratified ? "stratified by label" : "not stratified")}; holdout fingerprint `{Data.Split.HoldoutFingerprint}`");
        md.AppendLine().AppendLine("| Feature | Kind | Input type | Missing values |").AppendLine("|---|---|---|---|");
        foreach (var f in Data.Features)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| `{f.Name}` | {f.Kind} | {f.InputType} | {f.Imputation ?? "not imputed"} |");
        }

        md.AppendLine().AppendLine("## Training").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Trainer: `{Training.Trainer}` ({Training.Family})");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Seed: {Training.Seed}; training took {Training.DurationSeconds:F1} s");
        foreach (var (name, value) in Training.Hyperparameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- `{name}`: {(value is { } v ? v.ToString("G6", CultureInfo.InvariantCulture) : "chosen by the trainer")}");
        }

        md.AppendLine().AppendLine("## Metrics (holdout)").AppendLine();
        md.AppendLine(ChampionMetrics is null ? "| Metric | Value |" : "| Metric | Value | Champion |");
        md.AppendLine(ChampionMetrics is null ? "|---|---|" : "|---|---|---|");
        foreach (var (name, value) in Metrics.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var champion = ChampionMetrics is null ? string.Empty
                : ChampionMetrics.TryGetValue(name, out var c) ? $" | {c.ToString("G4", CultureInfo.InvariantCulture)}" : " | n/a";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value.ToString("G4", CultureInfo.InvariantCulture)}{champion} |");
        }

        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"## Quality gates: {(Gates.Passed ? "passed" : "failed")}").AppendLine();
        md.AppendLine("| Gate | Actual | Verdict | Why |").AppendLine("|---|---|---|---|");
        foreach (var g in Gates.Gates)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {g.Gate.Rule} | {(g.Actual is { } a ? a.ToString("G4", CultureInfo.InvariantCulture) : "missing")} | {g.Verdict} | {Escape(g.Reason)} |");
        }

        md.AppendLine().AppendLine("## Limitations").AppendLine();
        foreach (var limitation in Limitations)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {Escape(limitation)}");
        }

        md.AppendLine().AppendLine("## Lineage").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Training job: `{Lineage.TrainingJob}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Dataset: `{Lineage.DatasetUri}` (SHA-256 `{Lineage.DatasetSha256}`)");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Champion at training time: {(Lineage.ChampionVersion is { } v2 ? $"version {v2}" : "none")}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Code: {Lineage.CodeVersion}");
        return md.ToString();
    }

    /// <summary>The limitations any card can state from what is known at training time.</summary>
    public static IReadOnlyList<string> DeriveLimitations(ModelTask task, CardData data, EvaluationReport evaluation, GateReport gates)
    {
        var list = new List<string>
        {
            "Evaluated on a random holdout of the same dataset: no time-based, out-of-distribution or fairness evaluation was done.",
            "Predictions for inputs outside the ranges and categories seen in training (see the reference profile) are extrapolations; unseen categories are encoded like a missing value.",
        };
        if (data.Split.HoldoutRows < 1000)
        {
            list.Add(string.Create(CultureInfo.InvariantCulture, $"The holdout has only {data.Split.HoldoutRows} rows, so the metrics carry wide uncertainty."));
        }

        if (task != ModelTask.Regression && data.Split.Strata.Count > 0)
        {
            var smallest = data.Split.Strata.MinBy(s => s.Value.Rows);
            var share = (double)smallest.Value.Rows / Math.Max(1, data.Rows);
            if (share < 0.1)
            {
                list.Add(string.Create(CultureInfo.InvariantCulture, $"Class '{smallest.Key}' is {share * 100:F1}% of the rows: accuracy flatters the model; read precision, recall and PR-AUC."));
            }
        }

        if (evaluation.Metrics.TryGetValue(MetricNames.Ece, out var ece) && ece > 0.05)
        {
            list.Add(string.Create(CultureInfo.InvariantCulture, $"Probabilities are not well calibrated on the holdout (ECE {ece:F3}); treat them as scores, not frequencies."));
        }

        if (!gates.Passed)
        {
            list.Add("At least one quality gate failed; see the gates above.");
        }

        return list;
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

/// <summary>The data a version learned from.</summary>
public sealed record CardData(
    string Uri,
    string Sha256,
    string Format,
    long Bytes,
    long Rows,
    string Label,
    IReadOnlyList<string> Classes,
    IReadOnlyList<CardFeature> Features,
    SplitRecord Split);

/// <summary>One input feature as trained.</summary>
public sealed record CardFeature(string Name, string Kind, string InputType, string? Imputation);

/// <summary>How a version was trained.</summary>
public sealed record CardTraining(string Trainer, string Family, int Seed, double HoldoutFraction, IReadOnlyDictionary<string, double?> Hyperparameters, double DurationSeconds);

/// <summary>Where a version came from.</summary>
public sealed record CardLineage(string TrainingJob, string DatasetUri, string DatasetSha256, int? ChampionVersion, string CodeVersion);
