namespace MLOps.Domain.Features;

/// <summary>The type of one feature column; the names match ONNX element types so bindings are direct.</summary>
public enum FeatureType
{
    Float,
    Double,
    Int32,
    Int64,
    String,
    Bool,
}

/// <summary>Names and properties of <see cref="FeatureType"/> values as they appear in JSON and ONNX.</summary>
public static class FeatureTypes
{
    public static string ToName(this FeatureType type) => type switch
    {
        FeatureType.Float => "float",
        FeatureType.Double => "double",
        FeatureType.Int32 => "int32",
        FeatureType.Int64 => "int64",
        FeatureType.String => "string",
        FeatureType.Bool => "bool",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParse(string? name, out FeatureType type)
    {
        switch (name)
        {
            case "float": type = FeatureType.Float; return true;
            case "double": type = FeatureType.Double; return true;
            case "int32": type = FeatureType.Int32; return true;
            case "int64": type = FeatureType.Int64; return true;
            case "string": type = FeatureType.String; return true;
            case "bool": type = FeatureType.Bool; return true;
            default: type = default; return false;
        }
    }

    public static bool IsNumeric(this FeatureType type) =>
        type is FeatureType.Float or FeatureType.Double or FeatureType.Int32 or FeatureType.Int64;

    public static string AllNames => "float, double, int32, int64, string, bool";
}
