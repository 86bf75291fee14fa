namespace MLOps.Domain.Training;

/// <summary>A trainer's hyperparameters after checking: every accepted name, with the recipe's value or the default.</summary>
/// <remarks>A null value means "let the trainer decide" (ML.NET auto-tunes SDCA's regularisation, for example).</remarks>
public sealed class HyperparameterValues(IReadOnlyDictionary<string, double?> values)
{
    public IReadOnlyDictionary<string, double?> Values => values;

    public int Int(string name) => (int)(values[name] ?? throw new InvalidOperationException($"Hyperparameter '{name}' has no default."));

    public int? OptionalInt(string name) => values[name] is { } v ? (int)v : null;

    public double Double(string name) => values[name] ?? throw new InvalidOperationException($"Hyperparameter '{name}' has no default.");

    public float Float(string name) => (float)Double(name);

    public float? OptionalFloat(string name) => values[name] is { } v ? (float)v : null;
}
