using MLOps.Domain.Evaluation;

namespace MLOps.Domain.Tests.Evaluation;

public sealed class RegressionMetricsTests
{
    [Fact]
    public void Compute_ScikitLearnDocExample_ByHand()
    {
        // y = [3, -0.5, 2, 7], ŷ = [2.5, 0, 2, 8]: MSE 0.375, MAE 0.5, R² 0.948608...
        var m = RegressionMetrics.Compute([3, -0.5, 2, 7], [2.5, 0, 2, 8]);

        Assert.Equal(Math.Sqrt(0.375), m.Rmse, 12);
        Assert.Equal(0.5, m.Mae, 12);
        Assert.Equal(1 - (1.5 / 29.1875), m.R2!.Value, 12);
        Assert.Equal(0.25, m.MeanError, 12);
    }

    [Fact]
    public void Compute_ConstantTruth_R2IsUndefined()
    {
        var m = RegressionMetrics.Compute([2, 2, 2], [1, 2, 3]);

        Assert.Null(m.R2);
        Assert.Equal(Math.Sqrt(2.0 / 3), m.Rmse, 12);
    }

    [Fact]
    public void Compute_PredictingTheMean_R2IsZero()
    {
        Assert.Equal(0, RegressionMetrics.Compute([1, 2, 3], [2, 2, 2]).R2!.Value, 12);
    }

    [Fact]
    public void Compute_LargeOffset_StaysAccurate()
    {
        var m = RegressionMetrics.Compute([1e9 + 1, 1e9 + 2, 1e9 + 3], [1e9 + 1, 1e9 + 2, 1e9 + 3]);

        Assert.Equal(1, m.R2!.Value, 12);
        Assert.Equal(0, m.Rmse);
    }
}
