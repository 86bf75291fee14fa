using System.Globalization;
using System.Text.Json;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;

namespace MLOps.Domain.Training;

/// <summary>A trainer a recipe can name: the task it serves, its family and the hyperparameters it accepts.</summary>
/// <param name="Id">The name a recipe uses, such as "lightgbm" or "lbfgs-logistic".</param>
/// <param name="Task">The one task this trainer trains.</param>
/// <param name="Family">Linear or trees.</param>
/// <param name="Description">The ML.NET trainer behind it.</param>
/// <param name="Hyperparameters">Every accepted hyperparameter; anything else in a recipe is an error.</param>
public sealed record TrainerDefinition(
    string Id,
    ModelTask Task,
    TrainerFamily Family,
    string Description,
    IReadOnlyList<HyperparameterSpec> Hyperparameters)
{
    /// <summary>
    /// Checks a recipe's hyperparameters against this trainer and fills in defaults. Every problem is reported
    /// (unknown name, wrong type, out of range), each under <c>hyperparameters.{name}</c>.
    /// </summary>
    public HyperparameterValues Resolve(IReadOnlyDictionary<string, JsonElement>? given, out IReadOnlyList<ProblemError> errors)
    {
        var problems = new List<ProblemError>();
        var values = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var spec in Hyperparameters)
        {
            values[spec.Name] = spec.Default;
        }

        foreach (var (name, element) in given ?? new Dictionary<string, JsonElement>())
        {
            var field = $"hyperparameters.{name}";
            var spec = Hyperparameters.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.Ordinal));
            if (spec is null)
            {
                var known = Hyperparameters.Count == 0 ? "none" : string.Join(", ", Hyperparameters.Select(h => h.Name));
                problems.Add(new(field, null, $"Trainer '{Id}' has no hyperparameter '{ProblemText.Clip(name)}'. Known: {known}."));
                continue;
            }

            if (TryRead(spec, element, out var value, out var problem))
            {
                values[spec.Name] = value;
            }
            else
            {
                problems.Add(new(field, null, problem));
            }
        }

        errors = problems;
        return new HyperparameterValues(values);
    }

    private static bool TryRead(HyperparameterSpec spec, JsonElement element, out double? value, out string problem)
    {
        value = null;
        problem = string.Empty;
        var expected = $"Hyperparameter '{spec.Name}' must be {spec.Range}";
        if (element.ValueKind == JsonValueKind.Null)
        {
            // null means "the default", which for auto-tuned parameters is the trainer's own choice.
            value = spec.Default;
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            problem = $"{expected}; got {Describe(element)}.";
            return false;
        }

        if (spec.Type == HyperparameterType.Integer && Math.Floor(number) != number)
        {
            problem = $"{expected}; got {number.ToString(CultureInfo.InvariantCulture)}, which is not a whole number.";
            return false;
        }

        var belowMin = spec.MinExclusive ? number <= spec.Min : number < spec.Min;
        if (belowMin || number > spec.Max)
        {
            problem = $"{expected}; got {number.ToString(CultureInfo.InvariantCulture)}.";
            return false;
        }

        value = number;
        return true;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Number => element.GetRawText().Length > 40 ? "a number out of range" : element.GetRawText(),
        _ => element.ValueKind.ToString().ToLowerInvariant(),
    };
}
