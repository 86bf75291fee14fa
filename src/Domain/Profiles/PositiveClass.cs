namespace MLOps.Domain.Profiles;

/// <summary>Which class of a binary classifier is "positive": the one whose probability is its score, its AUC and its F1.</summary>
/// <remarks>
/// One rule for everything that reduces a binary classifier to one number (the prediction profile's scores, the drift
/// check's score of each logged prediction, concept-drift AUC and F1, evaluation at training time): the first class
/// named <c>1</c>, <c>true</c> or <c>True</c>, else the last class. Class names are the model's own, in its output order
/// (the version's <c>classLabels</c>, else the labels the ONNX graph declares). The rule looks at names, never at
/// positions alone, so a model that lists its classes as <c>["1", "0"]</c> still scores the probability of <c>1</c>.
/// </remarks>
public static class PositiveClass
{
    /// <summary>The position of the positive class in <paramref name="classes"/>, or -1 when there are none.</summary>
    public static int IndexOf(IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        for (var i = 0; i < classes.Count; i++)
        {
            if (IsConventionalPositive(classes[i]))
            {
                return i;
            }
        }

        return classes.Count - 1;
    }

    /// <summary>The positive class's name, or null when no classes are known.</summary>
    public static string? Of(IReadOnlyList<string>? classes) => classes is { Count: > 0 } ? classes[IndexOf(classes)] : null;

    /// <summary>Whether a class name is one the rule takes as positive wherever it appears.</summary>
    public static bool IsConventionalPositive(ReadOnlySpan<char> name) => name is "1" or "true" or "True";
}
