using MLOps.Domain.Evaluation;
using MLOps.Domain.Registry;

namespace MLOps.Domain.Tests.Evaluation;

public sealed class ClassificationMetricsTests
{
    private static readonly string[] Binary = ["no", "yes"];

    // Truth [1,0,1,0,1], P(yes) [0.8,0.7,0.3,0.1,0.6]: TP rows 0 and 4, FP row 1, FN row 2, TN row 3.
    private static ClassificationMetrics BinaryCase() => ClassificationMetrics.Compute(
        Binary,
        [1, 0, 1, 0, 1],
        [0.2, 0.8, 0.3, 0.7, 0.7, 0.3, 0.9, 0.1, 0.4, 0.6],
        calibrationBins: 2);

    [Fact]
    public void Compute_Binary_ThresholdMetricsByHand()
    {
        var m = BinaryCase();

        Assert.Equal(0.6, m.Accuracy, 12);
        Assert.Equal(2.0 / 3, m.Precision, 12);
        Assert.Equal(2.0 / 3, m.Recall, 12);
        Assert.Equal(2.0 / 3, m.F1, 12);
        Assert.Equal([1L, 1L], m.ConfusionMatrix[0]);
        Assert.Equal([1L, 2L], m.ConfusionMatrix[1]);
    }

    [Fact]
    public void Compute_Binary_ProbabilityMetricsByHand()
    {
        var m = BinaryCase();

        Assert.Equal(4.0 / 6, m.Auc!.Value, 12);
        Assert.Equal(29.0 / 36, m.PrAuc!.Value, 12);
        var logLoss = -(Math.Log(0.8) + Math.Log(0.3) + Math.Log(0.3) + Math.Log(0.9) + Math.Log(0.6)) / 5;
        Assert.Equal(logLoss, m.LogLoss, 12);
        Assert.Equal(1.19 / 5, m.Brier, 12);
    }

    [Fact]
    public void Compute_Binary_CalibrationTableByHand()
    {
        var c = BinaryCase().Calibration;

        Assert.Equal("positiveClass", c.Basis);
        Assert.Equal(2, c.Bins.Count);
        Assert.Equal(2, c.Bins[0].Count);
        Assert.Equal(0.2, c.Bins[0].MeanPredicted!.Value, 12);
        Assert.Equal(0.5, c.Bins[0].ObservedRate!.Value, 12);
        Assert.Equal(3, c.Bins[1].Count);
        Assert.Equal(0.7, c.Bins[1].MeanPredicted!.Value, 12);
        Assert.Equal(2.0 / 3, c.Bins[1].ObservedRate!.Value, 12);
        Assert.Equal((0.4 * 0.3) + (0.6 * (0.7 - (2.0 / 3))), c.ExpectedCalibrationError, 12);
        Assert.Equal(0.3, c.MaxCalibrationError, 12);
    }

    [Fact]
    public void Compute_ConfidentMistake_LogLossIsClippedNotInfinite()
    {
        var m = ClassificationMetrics.Compute(Binary, [1, 0], [1.0, 0.0, 1.0, 0.0]);

        Assert.Equal(-Math.Log(ClassificationMetrics.LogLossEpsilon) / 2, m.LogLoss, 6);
        Assert.True(double.IsFinite(m.LogLoss));
    }

    [Fact]
    public void Compute_NoPredictedPositives_PrecisionIsZero()
    {
        var m = ClassificationMetrics.Compute(Binary, [1, 0, 1], [0.9, 0.1, 0.8, 0.2, 0.6, 0.4]);

        Assert.Equal(0, m.Precision);
        Assert.Equal(0, m.Recall);
        Assert.Equal(0, m.F1);
        Assert.Equal(1.0 / 3, m.Accuracy, 12);
    }

    [Fact]
    public void Compute_HoldoutWithOneClass_AucIsMissingFromTheReport()
    {
        var m = ClassificationMetrics.Compute(Binary, [1, 1], [0.1, 0.9, 0.4, 0.6]);
        var report = EvaluationReport.ForClassification(ModelTask.BinaryClassification, m);

        Assert.Null(m.Auc);
        Assert.False(report.Metrics.ContainsKey(MetricNames.Auc));
        Assert.True(report.Metrics.ContainsKey(MetricNames.Accuracy));
    }

    // Three classes, five rows; predicted labels 0, 1, 1, 2, 1.
    private static ClassificationMetrics MulticlassCase() => ClassificationMetrics.Compute(
        ["a", "b", "c"],
        [0, 1, 2, 2, 0],
        [0.7, 0.2, 0.1,
         0.1, 0.6, 0.3,
         0.2, 0.5, 0.3,
         0.1, 0.2, 0.7,
         0.3, 0.4, 0.3]);

    [Fact]
    public void Compute_Multiclass_PerClassByHand()
    {
        var m = MulticlassCase();

        Assert.Equal(0.6, m.Accuracy, 12);
        Assert.Equal([1L, 1L, 0L], m.ConfusionMatrix[0]);
        Assert.Equal([0L, 1L, 0L], m.ConfusionMatrix[1]);
        Assert.Equal([0L, 1L, 1L], m.ConfusionMatrix[2]);
        var (a, b, c) = (m.PerClass[0], m.PerClass[1], m.PerClass[2]);
        Assert.Equal(2, a.Support);
        Assert.Equal(1.0, a.Precision, 12);
        Assert.Equal(0.5, a.Recall, 12);
        Assert.Equal(2.0 / 3, a.F1, 12);
        Assert.Equal(1.0 / 3, b.Precision, 12);
        Assert.Equal(1.0, b.Recall, 12);
        Assert.Equal(0.5, b.F1, 12);
        Assert.Equal(1.0, a.Auc!.Value, 12);
        Assert.Equal(1.0, b.Auc!.Value, 12);
        Assert.Equal(5.0 / 6, c.Auc!.Value, 12);
    }

    [Fact]
    public void Compute_Multiclass_AveragesByHand()
    {
        var m = MulticlassCase();

        Assert.Equal(7.0 / 9, m.Macro.Precision, 12);
        Assert.Equal(2.0 / 3, m.Macro.Recall, 12);
        Assert.Equal(11.0 / 18, m.Macro.F1, 12);
        Assert.Equal(17.0 / 18, m.Macro.Auc!.Value, 12);
        Assert.Equal(17.0 / 18, m.Auc!.Value, 12);
        Assert.Equal(((2 * 1.0) + (1.0 / 3) + (2 * 1.0)) / 5, m.Weighted.Precision, 12);
        Assert.Equal(0.6, m.Weighted.Recall, 12);
        Assert.Equal(((2 * 2.0 / 3) + 0.5 + (2 * 2.0 / 3)) / 5, m.Weighted.F1, 12);
        Assert.Equal(((2 * 1.0) + 1.0 + (2 * 5.0 / 6)) / 5, m.Weighted.Auc!.Value, 12);
    }

    [Fact]
    public void Compute_Multiclass_LogLossBrierAndTopLabelCalibrationByHand()
    {
        var m = MulticlassCase();

        Assert.Equal(-(Math.Log(0.7) + Math.Log(0.6) + Math.Log(0.3) + Math.Log(0.7) + Math.Log(0.3)) / 5, m.LogLoss, 12);
        Assert.Equal(2.06 / 5, m.Brier, 12);
        Assert.Equal("topLabel", m.Calibration.Basis);
        Assert.Equal(0.38, m.Calibration.ExpectedCalibrationError, 12);
    }

    [Fact]
    public void Compute_BadShapes_Throw()
    {
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(Binary, [0, 1], [0.5, 0.5]));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(Binary, [0, 2], [0.5, 0.5, 0.5, 0.5]));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(["only"], [0], [1.0]));
    }

    [Fact]
    public void Report_Binary_FlattensHeadlineMetricsForGates()
    {
        var report = EvaluationReport.ForClassification(ModelTask.BinaryClassification, BinaryCase()).WithMeasurement(MetricNames.LatencyP95Ms, 0.25);

        Assert.Equal(4.0 / 6, report.Metrics[MetricNames.Auc], 12);
        Assert.Equal(29.0 / 36, report.Metrics[MetricNames.PrAuc], 12);
        Assert.Equal(0.25, report.Metrics[MetricNames.LatencyP95Ms]);
        Assert.Equal(5, report.Rows);
    }
}
