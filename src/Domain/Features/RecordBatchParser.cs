using System.Globalization;
using System.Text.Json;
using MLOps.Domain.Problems;

namespace MLOps.Domain.Features;

/// <summary>Turns a JSON array of records into a <see cref="FeatureBatch"/>, checking every value against the schema.</summary>
/// <remarks>
/// Every problem names its row and field so that a caller can fix a batch in one pass; the list is
/// capped so a hostile batch cannot make the error document larger than the request.
/// </remarks>
public static class RecordBatchParser
{
    public const int MaxReportedErrors = 50;
    public const int MaxStringLength = 4096;

    public static FeatureBatch Parse(JsonElement inputs, FeatureSchema schema, int maxRows)
    {
        if (inputs.ValueKind != JsonValueKind.Array)
        {
            throw MLOpsException.Validation("'inputs' must be a JSON array of records.", [new("inputs", null, $"Expected an array, got {Describe(inputs.ValueKind)}.")]);
        }

        var rows = inputs.GetArrayLength();
        if (rows == 0)
        {
            throw MLOpsException.Validation("'inputs' is empty; send at least one record.", [new("inputs", null, "Expected at least one record.")]);
        }

        if (rows > maxRows)
        {
            throw MLOpsException.TooLarge($"The batch has {rows} rows; at most {maxRows} are accepted per request.");
        }

        var features = schema.Features;
        var columns = new Array[features.Count];
        for (var f = 0; f < features.Count; f++)
        {
            columns[f] = features[f].Type switch
            {
                FeatureType.Float => new float[rows],
                FeatureType.Double => new double[rows],
                FeatureType.Int32 => new int[rows],
                FeatureType.Int64 => new long[rows],
                FeatureType.String => new string[rows],
                FeatureType.Bool => new bool[rows],
                _ => throw new InvalidOperationException(),
            };
        }

        var errors = new Errors();
        var present = new bool[features.Count];
        var index = schema.Index;
        var names = schema.Utf8Names;
        var categories = schema.Utf8Categories;
        var row = 0;
        foreach (var record in inputs.EnumerateArray())
        {
            if (record.ValueKind != JsonValueKind.Object)
            {
                errors.Add(null, row, $"Row {row} must be a JSON object of feature values, got {Describe(record.ValueKind)}.");
                row++;
                continue;
            }

            Array.Clear(present);
            var position = 0;
            foreach (var property in record.EnumerateObject())
            {
                // Records usually list features in schema order: match by position first, without allocating the name.
                int f;
                if (position < names.Length && property.NameEquals(names[position]))
                {
                    f = position;
                }
                else if (!index.TryGetValue(property.Name, out f))
                {
                    errors.Add(property.Name, row, $"Unknown feature '{ProblemText.Clip(property.Name)}'. Expected features: {string.Join(", ", features.Select(x => x.Name))}.");
                    continue;
                }

                if (present[f])
                {
                    errors.Add(property.Name, row, $"Feature '{property.Name}' appears twice in the record.");
                    continue;
                }

                present[f] = true;
                position = f + 1;
                Read(property.Value, features[f], categories[f], columns[f], row, errors);
            }

            for (var f = 0; f < features.Count; f++)
            {
                if (present[f])
                {
                    continue;
                }

                if (features[f].Nullable && features[f].Type is FeatureType.Float or FeatureType.Double)
                {
                    SetMissing(columns[f], row);
                }
                else
                {
                    errors.Add(features[f].Name, row, $"Feature '{features[f].Name}' is missing.");
                }
            }

            row++;
        }

        if (errors.Count > 0)
        {
            var detail = errors.Count == 1
                ? errors.List[0].Message
                : $"{errors.Count} values in the batch are invalid" + (errors.Count > MaxReportedErrors ? $"; the first {MaxReportedErrors} are listed." : ".");
            throw MLOpsException.Validation(detail, errors.List);
        }

        return new FeatureBatch(schema, rows, columns);
    }

    private static void Read(JsonElement value, FeatureSpec feature, byte[][]? utf8Categories, Array column, int row, Errors errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (feature.Nullable && feature.Type is FeatureType.Float or FeatureType.Double)
            {
                SetMissing(column, row);
            }
            else
            {
                errors.Add(feature.Name, row, $"Feature '{feature.Name}' is null; it needs a {feature.Type.ToName()} value.");
            }

            return;
        }

        switch (feature.Type)
        {
            case FeatureType.Float:
            case FeatureType.Double:
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var d))
                {
                    errors.Add(feature.Name, row, $"Feature '{feature.Name}' must be a number, got {Describe(value.ValueKind)}.");
                    return;
                }

                if (!double.IsFinite(d) || (feature.Type == FeatureType.Float && !float.IsFinite((float)d)))
                {
                    errors.Add(feature.Name, row, $"Feature '{feature.Name}' is {value.GetRawText()}, which is not a finite {feature.Type.ToName()}.");
                    return;
                }

                if (!InRange(feature, d, row, errors))
                {
                    return;
                }

                if (feature.Type == FeatureType.Float)
                {
                    ((float[])column)[row] = (float)d;
                }
                else
                {
                    ((double[])column)[row] = d;
                }

                return;
            }

            case FeatureType.Int32:
            case FeatureType.Int64:
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var l)
                    || (feature.Type == FeatureType.Int32 && l is < int.MinValue or > int.MaxValue))
                {
                    var got = value.ValueKind == JsonValueKind.Number ? $"{value.GetRawText()}, which is not a whole {feature.Type.ToName()}" : Describe(value.ValueKind);
                    errors.Add(feature.Name, row, $"Feature '{feature.Name}' must be a whole number ({feature.Type.ToName()}), got {got}.");
                    return;
                }

                if (!InRange(feature, l, row, errors))
                {
                    return;
                }

                if (feature.Type == FeatureType.Int32)
                {
                    ((int[])column)[row] = (int)l;
                }
                else
                {
                    ((long[])column)[row] = l;
                }

                return;
            }

            case FeatureType.Bool:
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add(feature.Name, row, $"Feature '{feature.Name}' must be true or false, got {Describe(value.ValueKind)}.");
                    return;
                }

                ((bool[])column)[row] = value.GetBoolean();
                return;

            case FeatureType.String:
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    errors.Add(feature.Name, row, $"Feature '{feature.Name}' must be a string, got {Describe(value.ValueKind)}.");
                    return;
                }

                if (utf8Categories is not null && feature.Categories is { } known)
                {
                    // A known category is taken from the schema, so no string is allocated per value.
                    for (var c = 0; c < utf8Categories.Length; c++)
                    {
                        if (value.ValueEquals(utf8Categories[c]))
                        {
                            ((string[])column)[row] = known[c];
                            return;
                        }
                    }
                }

                var s = value.GetString()!;
                if (s.Length > MaxStringLength)
                {
                    errors.Add(feature.Name, row, $"Feature '{feature.Name}' is {s.Length} characters long; at most {MaxStringLength} are accepted.");
                    return;
                }

                if (feature.Categories is { } categories && !Contains(categories, s))
                {
                    errors.Add(feature.Name, row, $"Feature '{feature.Name}' has category '{ProblemText.Clip(s)}', which is not one of: {string.Join(", ", categories.Take(20))}{(categories.Count > 20 ? ", ..." : string.Empty)}.");
                    return;
                }

                ((string[])column)[row] = s;
                return;
            }
        }
    }

    private static bool InRange(FeatureSpec feature, double value, int row, Errors errors)
    {
        if ((feature.Min is { } min && value < min) || (feature.Max is { } max && value > max))
        {
            errors.Add(feature.Name, row, $"Feature '{feature.Name}' is {value.ToString(CultureInfo.InvariantCulture)}, outside the accepted range [{Format(feature.Min)}, {Format(feature.Max)}].");
            return false;
        }

        return true;
    }

    private static bool Contains(IReadOnlyList<string> categories, string value)
    {
        // Category lists are short in practice; a linear scan avoids a per-schema set allocation.
        for (var i = 0; i < categories.Count; i++)
        {
            if (string.Equals(categories[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static void SetMissing(Array column, int row)
    {
        switch (column)
        {
            case float[] f: f[row] = float.NaN; break;
            case double[] d: d[row] = double.NaN; break;
        }
    }

    private static string Format(double? bound) =>
        bound?.ToString(CultureInfo.InvariantCulture) ?? "unbounded";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private sealed class Errors
    {
        public List<ProblemError> List { get; } = [];

        public int Count { get; private set; }

        public void Add(string? field, int? row, string message)
        {
            Count++;
            if (List.Count < MaxReportedErrors)
            {
                List.Add(new ProblemError(field, row, message));
            }
        }
    }
}
