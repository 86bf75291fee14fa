using System.Collections;
using System.Text.Json;

namespace MLOps.Functions.Scoring;

/// <summary>Writes one scored row's outputs as JSON, the same way for the API answer and the prediction log.</summary>
public static class PredictionJson
{
    // Property names encoded once, for the answer and the log line too: a string name is checked for escaping and
    // transcoded on every write.
    internal static readonly JsonEncodedText PredictionIdProperty = JsonEncodedText.Encode("predictionId");
    internal static readonly JsonEncodedText ModelProperty = JsonEncodedText.Encode("model");
    internal static readonly JsonEncodedText VersionProperty = JsonEncodedText.Encode("version");
    internal static readonly JsonEncodedText OutputsProperty = JsonEncodedText.Encode("outputs");
    private static readonly JsonEncodedText Label = JsonEncodedText.Encode("label");
    private static readonly JsonEncodedText Probabilities = JsonEncodedText.Encode("probabilities");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");

    /// <summary>Writes label, probabilities, value and any other outputs of <paramref name="row"/> as properties of the current object.</summary>
    public static void WriteOutputs(Utf8JsonWriter writer, ScoreResult result, int row)
    {
        if (result.IntLabels is { } ints)
        {
            writer.WriteNumber(Label, ints[row]);
        }
        else if (result.StringLabels is { } strings)
        {
            writer.WriteString(Label, strings[row]);
        }

        if (result.Probabilities is { } probabilities && result.ClassNames.Count > 0)
        {
            writer.WriteStartObject(Probabilities);
            var classes = result.ClassNames.Count;
            for (var c = 0; c < classes; c++)
            {
                writer.WriteNumber(result.ClassNames[c], probabilities[(row * classes) + c]);
            }

            writer.WriteEndObject();
        }

        if (result.Values is { } values)
        {
            WriteNumber(writer, Value, values[row]);
        }

        if (result.OtherOutputs.Count > 0)
        {
            writer.WriteStartObject(OutputsProperty);
            foreach (var (name, rows) in result.OtherOutputs)
            {
                writer.WritePropertyName(name);
                WriteValue(writer, rows[row]);
            }

            writer.WriteEndObject();
        }
    }

    /// <summary>Writes a scalar or array value; non-finite floats become null, since JSON has no NaN.</summary>
    public static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case float f: WriteNumber(writer, f); break;
            case double d: WriteNumber(writer, d); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case string s: writer.WriteStringValue(s); break;
            case long l: writer.WriteNumberValue(l); break;
            case int i: writer.WriteNumberValue(i); break;
            case ulong u: writer.WriteNumberValue(u); break;
            case uint u: writer.WriteNumberValue(u); break;
            case short s: writer.WriteNumberValue(s); break;
            case ushort u: writer.WriteNumberValue(u); break;
            case byte b: writer.WriteNumberValue(b); break;
            case sbyte s: writer.WriteNumberValue(s); break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(value.ToString()); break;
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, JsonEncodedText name, double value)
    {
        writer.WritePropertyName(name);
        WriteNumber(writer, value);
    }

    private static void WriteNumber(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
