using System.Reflection;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;

namespace MLOps.Training.Export;

/// <summary>Finds the tree ensembles and calibrators inside ML.NET's model parameters.</summary>
internal static class TreeEnsembleReader
{
    /// <summary>A binary classifier's ensemble and its Platt calibrator: p = 1 / (1 + exp(slope·score + offset)).</summary>
    public static (RegressionTreeEnsemble Ensemble, PlattCalibrator Calibrator) Binary(object parameters) => parameters switch
    {
        CalibratedModelParametersBase<Microsoft.ML.Trainers.LightGbm.LightGbmBinaryModelParameters, PlattCalibrator> l => (l.SubModel.TrainedTreeEnsemble, l.Calibrator),
        CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator> f => (f.SubModel.TrainedTreeEnsemble, f.Calibrator),
        _ => throw Unsupported(parameters),
    };

    public static RegressionTreeEnsemble Regression(object parameters) => parameters switch
    {
        Microsoft.ML.Trainers.LightGbm.LightGbmRegressionModelParameters l => l.TrainedTreeEnsemble,
        FastTreeRegressionModelParameters f => f.TrainedTreeEnsemble,
        _ => throw Unsupported(parameters),
    };

    /// <summary>One ensemble per class of a LightGBM softmax model, whose class score is the raw ensemble output.</summary>
    /// <remarks>
    /// <see cref="OneVersusAllModelParameters"/> keeps its per-class models private in ML.NET 5.0.1 (field <c>_impl</c>,
    /// property <c>Predictors</c>); they are read by reflection, and the exporter refuses anything but the softmax formula
    /// it was checked against. A parity test fails if a later ML.NET moves them.
    /// </remarks>
    public static IReadOnlyList<RegressionTreeEnsemble> Multiclass(object parameters)
    {
        if (parameters is not OneVersusAllModelParameters ova)
        {
            throw Unsupported(parameters);
        }

        var impl = typeof(OneVersusAllModelParameters).GetField("_impl", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(ova)
            ?? throw new NotSupportedException("This ML.NET version keeps one-versus-all models where the exporter cannot read them.");
        var formula = impl.GetType().GetProperty("OutputFormula", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(impl)?.ToString();
        if (formula is not null && formula != "Softmax")
        {
            throw new NotSupportedException($"Only softmax multiclass tree models are exported; this one combines classes by {formula}.");
        }

        var predictors = impl.GetType().GetProperty("Predictors", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(impl) as Array
            ?? throw new NotSupportedException("This ML.NET version keeps one-versus-all models where the exporter cannot read them.");
        return predictors.Cast<object>().Select(p => p switch
        {
            CalibratedModelParametersBase<Microsoft.ML.Trainers.LightGbm.LightGbmBinaryModelParameters, PlattCalibrator> c => c.SubModel.TrainedTreeEnsemble,
            Microsoft.ML.Trainers.LightGbm.LightGbmBinaryModelParameters b => b.TrainedTreeEnsemble,
            _ => throw Unsupported(p),
        }).ToList();
    }

    private static NotSupportedException Unsupported(object parameters) =>
        new($"The exporter does not know model parameters of type {parameters.GetType().Name}.");
}
