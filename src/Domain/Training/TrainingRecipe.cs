using System.Text.Json;
using System.Text.Json.Serialization;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;

namespace MLOps.Domain.Training;

/// <summary>
/// How to train a model, said once: the task, the label column, the feature columns and their preparation,
/// the trainer with its hyperparameters, the holdout share and the seed.
/// </summary>
/// <remarks>
/// Serialised as camelCase JSON with enums as camelCase strings (the API's <c>JsonDefaults</c>), e.g.
/// <c>{"task":"binaryClassification","label":"churned","features":[{"name":"age","kind":"numeric","imputation":"median"},
/// {"name":"plan","kind":"categorical"}],"trainer":"lightgbm","hyperparameters":{"numberOfLeaves":15}}</c>.
/// Members are not <c>required</c> so that a missing one is reported by <see cref="Check"/> together with every
/// other problem, rather than failing deserialisation at the first.
/// </remarks>
public sealed record TrainingRecipe
{
    public const double DefaultHoldoutFraction = 0.2;
    public const double MaxHoldoutFraction = 0.5;
    public const int DefaultSeed = 42;

    public ModelTask Task { get; init; }

    /// <summary>The label column: bool or 0/1 for binary classification, string or integer classes for multiclass, a number for regression.</summary>
    public string Label { get; init; } = string.Empty;

    public IReadOnlyList<RecipeFeature> Features { get; init; } = [];

    /// <summary>A trainer id from <see cref="TrainerCatalog"/>, such as "lightgbm" or "lbfgs-logistic".</summary>
    public string Trainer { get; init; } = string.Empty;

    /// <summary>Trainer settings by name; see <see cref="TrainerDefinition.Hyperparameters"/> for names, ranges and defaults.</summary>
    public IReadOnlyDictionary<string, JsonElement> Hyperparameters { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The share of rows held out for evaluation, in (0, 0.5].</summary>
    public double HoldoutFraction { get; init; } = DefaultHoldoutFraction;

    /// <summary>Seeds the split and the trainer, so the same recipe on the same data gives the same model.</summary>
    public int Seed { get; init; } = DefaultSeed;

    /// <summary>The named trainer, or null when the name is unknown.</summary>
    [JsonIgnore]
    public TrainerDefinition? Definition => TrainerCatalog.Find(Trainer);

    /// <summary>Checks the recipe on its own (not against a dataset) and lists every problem, each naming its field.</summary>
    public IReadOnlyList<ProblemError> Check()
    {
        var errors = new List<ProblemError>();
        if (Task == ModelTask.Unspecified || !Enum.IsDefined(Task))
        {
            errors.Add(new("task", null, "The recipe needs a task: binaryClassification, multiclassClassification or regression."));
        }

        if (!FeatureSchema.IsValidFeatureName(Label))
        {
            errors.Add(new("label", null, "The label must name a column: 1-128 letters, digits, '_', '.', '-' or ' '."));
        }

        CheckFeatures(errors);
        CheckTrainer(errors);

        if (!double.IsFinite(HoldoutFraction) || HoldoutFraction <= 0 || HoldoutFraction > MaxHoldoutFraction)
        {
            errors.Add(new("holdoutFraction", null, FormattableString.Invariant(
                $"The holdout fraction must be greater than 0 and at most {MaxHoldoutFraction}; got {HoldoutFraction}.")));
        }

        if (Seed < 0)
        {
            errors.Add(new("seed", null, "The seed must be zero or positive."));
        }

        return errors;
    }

    /// <summary>Checks the hyperparameters and fills in defaults; throws a validation problem listing every error.</summary>
    public HyperparameterValues ResolveHyperparameters()
    {
        var definition = Definition ?? throw MLOpsException.Validation($"Unknown trainer '{Trainer}'.", [new("trainer", null, $"Unknown trainer '{Trainer}'.")]);
        var values = definition.Resolve(Hyperparameters, out var errors);
        return errors.Count == 0 ? values : throw MLOpsException.Validation("The recipe's hyperparameters are invalid.", errors);
    }

    /// <summary>
    /// The feature schema an exported model is registered with: one input per feature, nullable where the recipe
    /// imputes a float or double feature (the model replaces NaN itself).
    /// </summary>
    public FeatureSchema ToFeatureSchema() => new(Features
        .Select(f => new FeatureSpec(
            f.Name,
            f.InputType,
            Nullable: f.Imputation is not null && f.InputType is FeatureType.Float or FeatureType.Double))
        .ToList());

    private void CheckFeatures(List<ProblemError> errors)
    {
        if (Features is null || Features.Count == 0)
        {
            errors.Add(new("features", null, "The recipe lists no features."));
            return;
        }

        if (Features.Count > FeatureSchema.MaxFeatures)
        {
            errors.Add(new("features", null, $"The recipe lists {Features.Count} features; at most {FeatureSchema.MaxFeatures} are allowed."));
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Features.Count; i++)
        {
            var f = Features[i];
            var field = $"features[{i}]";
            if (f is null)
            {
                errors.Add(new(field, null, "A feature must be an object with a name and a kind."));
                continue;
            }

            if (!FeatureSchema.IsValidFeatureName(f.Name))
            {
                errors.Add(new(field + ".name", null, "A feature name must be 1-128 characters of letters, digits, '_', '.', '-' or ' '."));
                continue;
            }

            if (!seen.Add(f.Name))
            {
                errors.Add(new(field + ".name", null, $"Feature '{f.Name}' is listed twice."));
            }

            if (string.Equals(f.Name, Label, StringComparison.Ordinal))
            {
                errors.Add(new(field + ".name", null, $"Feature '{f.Name}' is also the label; a model cannot take its label as input."));
            }

            if (!Enum.IsDefined(f.Kind))
            {
                errors.Add(new(field + ".kind", null, $"Feature '{f.Name}' needs a kind: numeric, categorical or boolean."));
                continue;
            }

            CheckType(f, field, errors);
            CheckImputation(f, field, errors);
        }
    }

    private static void CheckType(RecipeFeature f, string field, List<ProblemError> errors)
    {
        if (f.Type is not { } type)
        {
            return;
        }

        if (f.Kind != FeatureKind.Numeric)
        {
            errors.Add(new(field + ".type", null,
                $"Feature '{f.Name}' is {Name(f.Kind)}; a type is given for numeric features only (categorical is string, boolean is bool)."));
        }
        else if (!type.IsNumeric())
        {
            errors.Add(new(field + ".type", null, $"Feature '{f.Name}' is numeric; its type must be float, double, int32 or int64."));
        }
    }

    private static void CheckImputation(RecipeFeature f, string field, List<ProblemError> errors)
    {
        if (f.Imputation is not { } strategy)
        {
            if (f.FillValue is not null)
            {
                errors.Add(new(field + ".fillValue", null, $"Feature '{f.Name}' has a fillValue but no imputation; fillValue goes with imputation 'constant'."));
            }

            return;
        }

        if (!Enum.IsDefined(strategy))
        {
            errors.Add(new(field + ".imputation", null, $"Feature '{f.Name}' has an unknown imputation; use mean, median, mostFrequent or constant."));
            return;
        }

        if (strategy is ImputationStrategy.Mean or ImputationStrategy.Median && f.Kind != FeatureKind.Numeric)
        {
            errors.Add(new(field + ".imputation", null,
                $"Feature '{f.Name}' is {Name(f.Kind)}; mean and median apply to numeric features. Use mostFrequent or constant."));
        }

        if (strategy != ImputationStrategy.Constant)
        {
            if (f.FillValue is not null)
            {
                errors.Add(new(field + ".fillValue", null, $"Feature '{f.Name}' has a fillValue, which only imputation 'constant' uses."));
            }

            return;
        }

        if (f.FillValue is not { } fill || fill.ValueKind == JsonValueKind.Undefined || fill.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new(field + ".fillValue", null, $"Feature '{f.Name}' imputes a constant but gives no fillValue."));
            return;
        }

        var ok = f.Kind switch
        {
            FeatureKind.Numeric => fill.ValueKind == JsonValueKind.Number && fill.TryGetDouble(out var d) && double.IsFinite(d)
                                   && (f.InputType is not (FeatureType.Float) || Math.Abs(d) <= float.MaxValue),
            FeatureKind.Boolean => fill.ValueKind is JsonValueKind.True or JsonValueKind.False,
            _ => fill.ValueKind == JsonValueKind.String && fill.GetString() is { Length: > 0 and <= 1024 },
        };
        if (!ok)
        {
            var expected = f.Kind switch
            {
                FeatureKind.Numeric => "a finite number",
                FeatureKind.Boolean => "true or false",
                _ => "a non-empty string of at most 1024 characters",
            };
            errors.Add(new(field + ".fillValue", null, $"Feature '{f.Name}' is {Name(f.Kind)}; its fillValue must be {expected}."));
        }
    }

    private void CheckTrainer(List<ProblemError> errors)
    {
        var definition = Definition;
        if (definition is null)
        {
            var candidates = Task == ModelTask.Unspecified ? TrainerCatalog.All : TrainerCatalog.For(Task);
            var shown = string.IsNullOrEmpty(Trainer) ? "The recipe names no trainer." : $"Unknown trainer '{ProblemText.Clip(Trainer)}'.";
            errors.Add(new("trainer", null, $"{shown} Known: {string.Join(", ", candidates.Select(t => t.Id))}."));
            return;
        }

        if (Task != ModelTask.Unspecified && definition.Task != Task)
        {
            errors.Add(new("trainer", null,
                $"Trainer '{definition.Id}' trains {Name(definition.Task)} models, but the recipe's task is {Name(Task)}. " +
                $"Trainers for {Name(Task)}: {string.Join(", ", TrainerCatalog.For(Task).Select(t => t.Id))}."));
        }

        definition.Resolve(Hyperparameters, out var hyperparameterErrors);
        errors.AddRange(hyperparameterErrors);
    }

    private static string Name(FeatureKind kind) => kind.ToString().ToLowerInvariant();

    private static string Name(ModelTask task) => JsonNamingPolicy.CamelCase.ConvertName(task.ToString());
}
