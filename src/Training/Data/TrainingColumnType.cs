using Microsoft.ML.Data;

namespace MLOps.Training.Data;

/// <summary>The column types a training data view carries; each maps to one ML.NET data view type.</summary>
/// <remarks>
/// Missing values: Single and Double use NaN, Text uses the empty string (ML.NET's own convention for text).
/// Int32, Int64 and Boolean have no missing value in ML.NET, so a nullable integer or flag column is declared
/// Single (a boolean as 0/1) by whoever reads the file.
/// </remarks>
public enum TrainingColumnType
{
    Single,
    Double,
    Int32,
    Int64,
    Boolean,
    Text,
}

internal static class TrainingColumnTypes
{
    public static DataViewType ToDataViewType(this TrainingColumnType type) => type switch
    {
        TrainingColumnType.Single => NumberDataViewType.Single,
        TrainingColumnType.Double => NumberDataViewType.Double,
        TrainingColumnType.Int32 => NumberDataViewType.Int32,
        TrainingColumnType.Int64 => NumberDataViewType.Int64,
        TrainingColumnType.Boolean => BooleanDataViewType.Instance,
        TrainingColumnType.Text => TextDataViewType.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}

/// <summary>The name and type of one column of a training data view.</summary>
public sealed record TrainingColumn(string Name, TrainingColumnType Type);
