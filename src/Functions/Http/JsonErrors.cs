using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MLOps.Functions.Http;

/// <summary>Says what is wrong with a JSON document in terms of the document, not of .NET types.</summary>
public static partial class JsonErrors
{
    public static string Describe(string what, JsonException ex)
    {
        var where = ex.Path is { Length: > 0 } path ? $" at {path}" : string.Empty;
        var line = ex.LineNumber is { } l ? string.Create(CultureInfo.InvariantCulture, $" (line {l + 1}, byte {ex.BytePositionInLine + 1})") : string.Empty;
        var message = ex.Message;
        var unmapped = UnmappedProperty().Match(message);
        if (unmapped.Success)
        {
            return $"Invalid JSON in {what}: unknown property '{unmapped.Groups[1].Value}'{where}.";
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"Invalid JSON in {what}: a value has the wrong type{where}{line}.";
        }

        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            var names = RequiredProperties().Match(message);
            return $"Invalid JSON in {what}: missing required propert{(names.Success && names.Groups[1].Value.Contains(',', StringComparison.Ordinal) ? "ies" : "y")} {(names.Success ? names.Groups[1].Value : string.Empty)}{where}.";
        }

        // Reader errors ('is an invalid start of a value' and the like) name no .NET types; keep their words.
        var first = message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.');
        return $"Invalid JSON in {what}: {first}{where}{line}.";
    }

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex("missing required properties including: (.*)\\.")]
    private static partial Regex RequiredProperties();
}
