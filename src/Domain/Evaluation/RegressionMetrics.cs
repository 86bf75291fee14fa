namespace MLOps.Domain.Evaluation;

/// <summary>How close a regression model's values are to the truth.</summary>
/// <param name="R2">Coefficient of determination, 1 − SS_res / SS_tot; null when the truth is constant (SS_tot = 0).</param>
public sealed record RegressionMetrics(long Rows, double Rmse, double Mae, double? R2, double MeanError)
{
    public static RegressionMetrics Compute(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException($"{actual.Length} actual values but {predicted.Length} predictions.", nameof(predicted));
        }

        if (actual.Length == 0)
        {
            throw new ArgumentException("No rows to evaluate.", nameof(actual));
        }

        // Two passes (mean first) keep SS_tot accurate when values are large and close together.
        double mean = 0;
        foreach (var y in actual)
        {
            mean += y;
        }

        mean /= actual.Length;
        double squared = 0, absolute = 0, residualSum = 0, total = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var residual = predicted[i] - actual[i];
            squared += residual * residual;
            absolute += Math.Abs(residual);
            residualSum += residual;
            total += (actual[i] - mean) * (actual[i] - mean);
        }

        var n = actual.Length;
        return new RegressionMetrics(n, Math.Sqrt(squared / n), absolute / n, total == 0 ? null : 1 - (squared / total), residualSum / n);
    }
}
