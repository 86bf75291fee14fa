namespace MLOps.Domain.Evaluation;

/// <summary>A reliability table: for each band of predicted probability, how often the event really happened.</summary>
/// <remarks>
/// Bins are of equal width on [0, 1]; bin i holds probabilities in [i/B, (i+1)/B), the last bin also holds 1.
/// For a binary model the probability is the positive class's and the observed rate is the share of positives; for a
/// multiclass model it is the top-label confidence and the share of rows whose top label was right (the usual
/// definition of multiclass calibration error). ECE = Σ_b (n_b / N) · |observed_b − meanPredicted_b|.
/// </remarks>
public sealed record CalibrationTable
{
    /// <summary>"positiveClass" (binary) or "topLabel" (multiclass): what <see cref="CalibrationBin.MeanPredicted"/> is.</summary>
    public required string Basis { get; init; }

    public required IReadOnlyList<CalibrationBin> Bins { get; init; }

    /// <summary>Expected calibration error over the bins.</summary>
    public required double ExpectedCalibrationError { get; init; }

    /// <summary>Largest gap between observed rate and mean prediction over non-empty bins.</summary>
    public required double MaxCalibrationError { get; init; }

    public static CalibrationTable Build(string basis, ReadOnlySpan<double> predicted, ReadOnlySpan<bool> happened, int bins = 10)
    {
        if (bins < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(bins), "At least one bin.");
        }

        if (predicted.Length != happened.Length)
        {
            throw new ArgumentException($"{predicted.Length} predictions but {happened.Length} outcomes.", nameof(happened));
        }

        var counts = new long[bins];
        var sums = new double[bins];
        var events = new long[bins];
        for (var i = 0; i < predicted.Length; i++)
        {
            var p = Math.Clamp(predicted[i], 0, 1);
            var b = Math.Min((int)(p * bins), bins - 1);
            counts[b]++;
            sums[b] += p;
            events[b] += happened[i] ? 1 : 0;
        }

        var table = new List<CalibrationBin>(bins);
        double ece = 0, mce = 0;
        for (var b = 0; b < bins; b++)
        {
            double? meanPredicted = counts[b] == 0 ? null : sums[b] / counts[b];
            double? observed = counts[b] == 0 ? null : (double)events[b] / counts[b];
            if (counts[b] > 0)
            {
                var gap = Math.Abs(observed!.Value - meanPredicted!.Value);
                ece += (double)counts[b] / predicted.Length * gap;
                mce = Math.Max(mce, gap);
            }

            table.Add(new CalibrationBin((double)b / bins, (double)(b + 1) / bins, counts[b], meanPredicted, observed));
        }

        return new CalibrationTable { Basis = basis, Bins = table, ExpectedCalibrationError = ece, MaxCalibrationError = mce };
    }
}

/// <summary>One band of predicted probability; the means are null when no row fell in it.</summary>
public sealed record CalibrationBin(double Lower, double Upper, long Count, double? MeanPredicted, double? ObservedRate);
