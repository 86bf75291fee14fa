using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLOps.Domain.Problems;
using MLOps.Domain.Signatures;

namespace MLOps.Functions.Scoring;

/// <summary>One input tensor of an Open Inference Protocol (KServe V2) request, checked and converted.</summary>
public sealed record V2Tensor(string Name, string Datatype, long[] Shape, Array Data);

/// <summary>Reads V2 request tensors into typed arrays, checking names, datatypes, shapes and every value.</summary>
public static class V2Tensors
{
    public static IReadOnlyList<V2Tensor> ReadInputs(JsonElement inputs, IReadOnlyList<TensorSpec> modelInputs, long maxElements)
    {
        if (inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
        {
            throw MLOpsException.Validation("'inputs' must be a non-empty array of tensors {name, shape, datatype, data}.", [new("inputs", null, "Expected a non-empty array.")]);
        }

        var byName = modelInputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var tensors = new List<V2Tensor>();
        var errors = new List<ProblemError>();
        long total = 0;
        var index = 0;
        foreach (var input in inputs.EnumerateArray())
        {
            var field = $"inputs[{index++}]";
            try
            {
                var tensor = ReadTensor(input, field, byName, maxElements - total);
                if (tensors.Any(t => t.Name == tensor.Name))
                {
                    throw Invalid(field + ".name", $"Input '{tensor.Name}' is given twice.");
                }

                total += tensor.Data.Length;
                tensors.Add(tensor);
            }
            catch (MLOpsException ex) when (ex.Kind == ProblemKind.Validation)
            {
                errors.AddRange(ex.Errors.Count > 0 ? ex.Errors : [new(field, null, ex.Detail)]);
            }
        }

        foreach (var missing in modelInputs.Where(m => tensors.All(t => t.Name != m.Name) && errors.Count == 0))
        {
            errors.Add(new("inputs", null, $"Model input '{missing.Name}' ({missing.V2Datatype} {Shape(missing.Shape)}) is missing."));
        }

        if (errors.Count > 0)
        {
            throw MLOpsException.Validation(errors.Count == 1 ? errors[0].Message : $"{errors.Count} problems with the input tensors.", errors);
        }

        return tensors;
    }

    /// <remarks>
    /// Switches on the declared datatype, not the array's type: the runtime treats byte[] and sbyte[]
    /// (and ushort[]/short[], uint[]/int[], ulong[]/long[]) as each other, so a type pattern would pick the wrong one.
    /// </remarks>
    public static OrtValue ToOrtValue(V2Tensor tensor) => tensor.Datatype switch
    {
        "FP32" => OrtValue.CreateTensorValueFromMemory((float[])tensor.Data, tensor.Shape),
        "FP64" => OrtValue.CreateTensorValueFromMemory((double[])tensor.Data, tensor.Shape),
        "INT8" => OrtValue.CreateTensorValueFromMemory((sbyte[])tensor.Data, tensor.Shape),
        "UINT8" => OrtValue.CreateTensorValueFromMemory((byte[])tensor.Data, tensor.Shape),
        "INT16" => OrtValue.CreateTensorValueFromMemory((short[])tensor.Data, tensor.Shape),
        "UINT16" => OrtValue.CreateTensorValueFromMemory((ushort[])tensor.Data, tensor.Shape),
        "INT32" => OrtValue.CreateTensorValueFromMemory((int[])tensor.Data, tensor.Shape),
        "UINT32" => OrtValue.CreateTensorValueFromMemory((uint[])tensor.Data, tensor.Shape),
        "INT64" => OrtValue.CreateTensorValueFromMemory((long[])tensor.Data, tensor.Shape),
        "UINT64" => OrtValue.CreateTensorValueFromMemory((ulong[])tensor.Data, tensor.Shape),
        "BOOL" => OrtValue.CreateTensorValueFromMemory((bool[])tensor.Data, tensor.Shape),
        "BYTES" => StringTensors.Create((string[])tensor.Data, tensor.Shape),
        _ => throw new NotSupportedException(tensor.Datatype),
    };

    public static string? DatatypeOf(TensorElementType type) => type switch
    {
        TensorElementType.Float => "FP32",
        TensorElementType.Double => "FP64",
        TensorElementType.Int8 => "INT8",
        TensorElementType.Int16 => "INT16",
        TensorElementType.Int32 => "INT32",
        TensorElementType.Int64 => "INT64",
        TensorElementType.UInt8 => "UINT8",
        TensorElementType.UInt16 => "UINT16",
        TensorElementType.UInt32 => "UINT32",
        TensorElementType.UInt64 => "UINT64",
        TensorElementType.Bool => "BOOL",
        TensorElementType.String => "BYTES",
        TensorElementType.Float16 => "FP16",
        _ => null,
    };

    private static V2Tensor ReadTensor(JsonElement input, string field, Dictionary<string, TensorSpec> byName, long budget)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(field, "Each input must be an object {name, shape, datatype, data}.");
        }

        string? name = null, datatype = null;
        JsonElement? shapeElement = null, data = null;
        foreach (var p in input.EnumerateObject())
        {
            switch (p.Name)
            {
                case "name" when p.Value.ValueKind == JsonValueKind.String: name = p.Value.GetString(); break;
                case "datatype" when p.Value.ValueKind == JsonValueKind.String: datatype = p.Value.GetString(); break;
                case "shape": shapeElement = p.Value; break;
                case "data": data = p.Value; break;
                case "parameters": break;
                default: throw Invalid($"{field}.{ProblemText.Clip(p.Name)}", $"Unexpected property '{ProblemText.Clip(p.Name)}' (or wrong type); an input has name, shape, datatype, data and optional parameters.");
            }
        }

        if (name is null || datatype is null || shapeElement is null || data is null)
        {
            throw Invalid(field, "An input needs 'name' (string), 'shape' (array), 'datatype' (string) and 'data'.");
        }

        if (!byName.TryGetValue(name, out var spec))
        {
            throw Invalid(field + ".name", $"The model has no input '{ProblemText.Clip(name)}'. Its inputs are: {string.Join(", ", byName.Keys)}.");
        }

        var expected = spec.V2Datatype;
        if (!string.Equals(datatype, expected, StringComparison.Ordinal))
        {
            throw Invalid(field + ".datatype", $"Input '{name}' takes {expected ?? spec.ElementType}, got '{ProblemText.Clip(datatype)}'.");
        }

        var shape = ReadShape(shapeElement.Value, field, name, spec);
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
            if (count > budget)
            {
                throw MLOpsException.TooLarge($"Input '{name}' has more elements than the request allows ({budget}).");
            }
        }

        var values = new List<JsonElement>((int)Math.Min(count, 1 << 16));
        Flatten(data.Value, values, count, field + ".data", name);
        if (values.Count != count)
        {
            throw Invalid(field + ".data", $"Input '{name}' has shape {Shape(shape)} ({count} elements) but {values.Count} values.");
        }

        return new V2Tensor(name, datatype, shape, Convert(values, spec.ElementType, field + ".data", name));
    }

    private static long[] ReadShape(JsonElement element, string field, string name, TensorSpec spec)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() > 8)
        {
            throw Invalid(field + ".shape", $"The shape of '{name}' must be an array of at most 8 sizes.");
        }

        var shape = new long[element.GetArrayLength()];
        var i = 0;
        foreach (var d in element.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var size) || size < 0)
            {
                throw Invalid(field + ".shape", $"The shape of '{name}' must hold whole sizes of 0 or more.");
            }

            shape[i++] = size;
        }

        if (spec.Shape is { } declared)
        {
            if (declared.Count != shape.Length)
            {
                throw Invalid(field + ".shape", $"Input '{name}' takes rank {declared.Count} {Shape(declared)}, got {Shape(shape)}.");
            }

            for (var k = 0; k < shape.Length; k++)
            {
                if (declared[k] >= 0 && declared[k] != shape[k])
                {
                    throw Invalid(field + ".shape", $"Input '{name}' takes {Shape(declared)}, got {Shape(shape)}.");
                }
            }
        }

        return shape;
    }

    private static void Flatten(JsonElement data, List<JsonElement> values, long max, string field, string name)
    {
        if (data.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in data.EnumerateArray())
            {
                Flatten(item, values, max, field, name);
            }

            return;
        }

        if (values.Count >= max)
        {
            throw Invalid(field, $"Input '{name}' has more values than its shape allows ({max}).");
        }

        values.Add(data);
    }

    private static Array Convert(List<JsonElement> values, string elementType, string field, string name)
    {
        var n = values.Count;
        switch (elementType)
        {
            case "float":
            {
                var a = new float[n];
                for (var i = 0; i < n; i++)
                {
                    var d = Number(values[i], field, name, i);
                    if (!float.IsFinite((float)d))
                    {
                        throw Invalid(field, $"Value {i} of '{name}' does not fit FP32.");
                    }

                    a[i] = (float)d;
                }

                return a;
            }

            case "double":
            {
                var a = new double[n];
                for (var i = 0; i < n; i++)
                {
                    a[i] = Number(values[i], field, name, i);
                }

                return a;
            }

            case "bool":
            {
                var a = new bool[n];
                for (var i = 0; i < n; i++)
                {
                    a[i] = values[i].ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw Invalid(field, $"Value {i} of '{name}' must be true or false."),
                    };
                }

                return a;
            }

            case "string":
            {
                var a = new string[n];
                for (var i = 0; i < n; i++)
                {
                    a[i] = values[i].ValueKind == JsonValueKind.String ? values[i].GetString()! : throw Invalid(field, $"Value {i} of '{name}' must be a string (BYTES).");
                }

                return a;
            }

            case "uint64":
            {
                var a = new ulong[n];
                for (var i = 0; i < n; i++)
                {
                    a[i] = values[i].ValueKind == JsonValueKind.Number && values[i].TryGetUInt64(out var u) ? u : throw Invalid(field, $"Value {i} of '{name}' must be a whole number from 0 to {ulong.MaxValue}.");
                }

                return a;
            }

            default:
            {
                var (min, max) = elementType switch
                {
                    "int8" => ((long)sbyte.MinValue, (long)sbyte.MaxValue),
                    "uint8" => ((long)byte.MinValue, (long)byte.MaxValue),
                    "int16" => ((long)short.MinValue, (long)short.MaxValue),
                    "uint16" => ((long)ushort.MinValue, (long)ushort.MaxValue),
                    "int32" => ((long)int.MinValue, (long)int.MaxValue),
                    "uint32" => ((long)uint.MinValue, (long)uint.MaxValue),
                    "int64" => ((long)long.MinValue, (long)long.MaxValue),
                    _ => throw Invalid(field, $"Input '{name}' has element type {elementType}, which the V2 API does not accept."),
                };
                var longs = new long[n];
                for (var i = 0; i < n; i++)
                {
                    if (values[i].ValueKind != JsonValueKind.Number || !values[i].TryGetInt64(out var l) || l < min || l > max)
                    {
                        throw Invalid(field, $"Value {i} of '{name}' must be a whole number from {min} to {max}.");
                    }

                    longs[i] = l;
                }

                return elementType switch
                {
                    "int8" => Array.ConvertAll(longs, x => (sbyte)x),
                    "uint8" => Array.ConvertAll(longs, x => (byte)x),
                    "int16" => Array.ConvertAll(longs, x => (short)x),
                    "uint16" => Array.ConvertAll(longs, x => (ushort)x),
                    "int32" => Array.ConvertAll(longs, x => (int)x),
                    "uint32" => Array.ConvertAll(longs, x => (uint)x),
                    _ => longs,
                };
            }
        }
    }

    private static double Number(JsonElement value, string field, string name, int i) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d)
            ? d
            : throw Invalid(field, $"Value {i} of '{name}' must be a finite number.");

    private static MLOpsException Invalid(string field, string message) => MLOpsException.Validation(message, [new(field, null, message)]);

    private static string Shape(IEnumerable<long>? shape) =>
        shape is null ? "[?]" : "[" + string.Join(",", shape.Select(d => d < 0 ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
