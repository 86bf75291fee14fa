namespace MLOps.Domain.Training;

/// <summary>The JSON type a hyperparameter takes.</summary>
public enum HyperparameterType
{
    Integer,
    Number,
}

/// <summary>One hyperparameter a trainer accepts: its type, accepted range and the value used when the recipe omits it.</summary>
/// <param name="Name">The name in the recipe's <c>hyperparameters</c> map (camelCase, as ML.NET's option names).</param>
/// <param name="Type">Integer or number.</param>
/// <param name="Min">Smallest accepted value (inclusive unless <paramref name="MinExclusive"/>).</param>
/// <param name="Max">Largest accepted value (inclusive).</param>
/// <param name="Default">The value used when the recipe omits it; null lets the trainer choose (ML.NET's auto-tuning).</param>
/// <param name="Description">What it does, for error messages and the documentation.</param>
/// <param name="MinExclusive">Whether <paramref name="Min"/> itself is refused (a learning rate of 0 learns nothing).</param>
public sealed record HyperparameterSpec(
    string Name,
    HyperparameterType Type,
    double Min,
    double Max,
    double? Default,
    string Description,
    bool MinExclusive = false)
{
    /// <summary>The accepted range in words, such as "(0, 1]" or "1 to 10000".</summary>
    public string Range => Type switch
    {
        HyperparameterType.Integer => FormattableString.Invariant($"an integer from {Min} to {Max}"),
        _ => FormattableString.Invariant($"a number in {(MinExclusive ? "(" : "[")}{Min}, {Max}]"),
    };
}
