using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLOps.Training.Pipeline;

/// <summary>Makes the binary label a Boolean column: a Boolean is copied, a 0/1 number (already Single) becomes false/true.</summary>
internal sealed class LabelToBoolean(MLContext ml, string label) : IEstimator<ITransformer>
{
    public ITransformer Fit(IDataView input) => Estimator(input.Schema).Fit(input);

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        inputSchema.Any(c => c.Name == label && c.ItemType is BooleanDataViewType)
            ? ml.Transforms.CopyColumns(TrainedModel.LabelColumn, label).GetOutputSchema(inputSchema)
            : ColumnMapping.Scalar<float, bool>(ml, label, TrainedModel.LabelColumn, v => v == 1f).GetOutputSchema(inputSchema);

    private IEstimator<ITransformer> Estimator(DataViewSchema schema) => schema[label].Type is BooleanDataViewType
        ? ml.Transforms.CopyColumns(TrainedModel.LabelColumn, label)
        : ColumnMapping.Scalar<float, bool>(ml, label, TrainedModel.LabelColumn, v => v == 1f);
}
