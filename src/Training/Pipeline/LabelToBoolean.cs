using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLOps.Training.Pipeline;

/// <summary>Makes the binary label a Boolean column: a Boolean is copied, a 0/1 number (already Single) becomes false/true.</summary>
internal sealed class LabelToBoolean(MLContext ml, string label) : IEstimator<ITransformer>
{
    public ITransformer Fit(IDataView input) => Estimator(input.Schema[label].Type is BooleanDataViewType).Fit(input);

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        Estimator(inputSchema.Any(c => c.Name == label && c.ItemType is BooleanDataViewType)).GetOutputSchema(inputSchema);

    private IEstimator<ITransformer> Estimator(bool isBoolean) => isBoolean
        ? ml.Transforms.CopyColumns(TrainedModel.LabelColumn, label)
        : ColumnMapping.Scalar<float, bool>(ml, label, TrainedModel.LabelColumn, v => v == 1f);
}
