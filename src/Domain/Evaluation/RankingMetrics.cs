namespace MLOps.Domain.Evaluation;

/// <summary>Threshold-free metrics of a score against binary truth: ROC AUC and average precision.</summary>
/// <remarks>
/// Both take scores (probabilities), never hard labels: a hard label is a single threshold, and the area under
/// a curve with one point is not the model's AUC. Both answer null when the truth holds one class only, because
/// the curves are then undefined; callers (gates) treat null as a missing metric.
/// </remarks>
public static class RankingMetrics
{
    /// <summary>
    /// Area under the ROC curve as the Mann-Whitney statistic: the probability that a random positive scores above a
    /// random negative, ties counting one half. This equals the trapezoidal area under the ROC curve with tied
    /// scores joined by one straight segment.
    /// </summary>
    public static double? RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive)
    {
        Check(scores, positive);
        var order = Ascending(scores);
        double positives = 0, rankSum = 0;
        var i = 0;
        while (i < order.Length)
        {
            // One group of tied scores gets the mean of the ranks it spans (midrank), so each tie counts one half.
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            var midrank = ((i + 1) + (j + 1)) / 2.0;
            for (var k = i; k <= j; k++)
            {
                if (positive[order[k]])
                {
                    positives++;
                    rankSum += midrank;
                }
            }

            i = j + 1;
        }

        var negatives = order.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return null;
        }

        return (rankSum - (positives * (positives + 1) / 2)) / (positives * negatives);
    }

    /// <summary>
    /// Average precision, the step-wise area under the precision-recall curve:
    /// <c>AP = Σ_k (R_k − R_(k−1)) · P_k</c> over the distinct score thresholds from the highest down, with tied scores
    /// forming one threshold and no interpolation (the definition of scikit-learn's <c>average_precision_score</c>).
    /// </summary>
    public static double? AveragePrecision(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive)
    {
        Check(scores, positive);
        var order = Ascending(scores);
        double totalPositives = 0;
        foreach (var p in positive)
        {
            totalPositives += p ? 1 : 0;
        }

        if (totalPositives == 0)
        {
            return null;
        }

        double truePositives = 0, falsePositives = 0, previousRecall = 0, ap = 0;
        var i = order.Length - 1;
        while (i >= 0)
        {
            var j = i;
            while (j - 1 >= 0 && scores[order[j - 1]] == scores[order[i]])
            {
                j--;
            }

            for (var k = j; k <= i; k++)
            {
                if (positive[order[k]])
                {
                    truePositives++;
                }
                else
                {
                    falsePositives++;
                }
            }

            var recall = truePositives / totalPositives;
            var precision = truePositives / (truePositives + falsePositives);
            ap += (recall - previousRecall) * precision;
            previousRecall = recall;
            i = j - 1;
        }

        return ap;
    }

    private static void Check(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive)
    {
        if (scores.Length != positive.Length)
        {
            throw new ArgumentException($"{scores.Length} scores but {positive.Length} truth values.", nameof(positive));
        }

        foreach (var s in scores)
        {
            if (double.IsNaN(s))
            {
                throw new ArgumentException("A score is NaN; ranking metrics need every score.", nameof(scores));
            }
        }
    }

    private static int[] Ascending(ReadOnlySpan<double> scores)
    {
        var order = new int[scores.Length];
        var keys = scores.ToArray();
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);
        return order;
    }
}
