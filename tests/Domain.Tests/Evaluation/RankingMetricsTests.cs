using MLOps.Domain.Evaluation;

namespace MLOps.Domain.Tests.Evaluation;

public sealed class RankingMetricsTests
{
    [Fact]
    public void RocAuc_ScikitLearnDocExample_IsThreeQuarters()
    {
        // roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
        Assert.Equal(0.75, RankingMetrics.RocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])!.Value, 12);
    }

    [Fact]
    public void AveragePrecision_ScikitLearnDocExample_IsFiveSixths()
    {
        // average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8333...
        Assert.Equal(5.0 / 6, RankingMetrics.AveragePrecision([0.1, 0.4, 0.35, 0.8], [false, false, true, true])!.Value, 12);
    }

    [Fact]
    public void RocAuc_TiedScores_CountOneHalf()
    {
        // Positives 0.5, 0.9 against negatives 0.2, 0.5: 1 + 0.5 + 1 + 1 of 4 pairs.
        Assert.Equal(0.875, RankingMetrics.RocAuc([0.2, 0.5, 0.5, 0.9], [false, true, false, true])!.Value, 12);
        Assert.Equal(0.5, RankingMetrics.RocAuc([0.5, 0.5], [false, true])!.Value, 12);
        Assert.Equal(0.5, RankingMetrics.RocAuc([0.3, 0.3, 0.3, 0.3], [true, false, true, false])!.Value, 12);
    }

    [Fact]
    public void AveragePrecision_TiedScores_FormOneThreshold()
    {
        // 0.9: P=1, R=1/2; {0.5, 0.5}: P=2/3, R=1; 0.2 adds no recall. AP = 1/2 + 1/2 * 2/3.
        Assert.Equal(0.5 + (0.5 * 2 / 3), RankingMetrics.AveragePrecision([0.2, 0.5, 0.5, 0.9], [false, true, false, true])!.Value, 12);
        Assert.Equal(0.5, RankingMetrics.AveragePrecision([0.5, 0.5], [false, true])!.Value, 12);
    }

    [Fact]
    public void RocAuc_PerfectAndReversed_AreOneAndZero()
    {
        Assert.Equal(1.0, RankingMetrics.RocAuc([0.1, 0.2, 0.8, 0.9], [false, false, true, true])!.Value, 12);
        Assert.Equal(0.0, RankingMetrics.RocAuc([0.9, 0.8, 0.2, 0.1], [false, false, true, true])!.Value, 12);
    }

    [Fact]
    public void RocAuc_OneClassOnly_IsUndefined()
    {
        Assert.Null(RankingMetrics.RocAuc([0.1, 0.9], [true, true]));
        Assert.Null(RankingMetrics.RocAuc([0.1, 0.9], [false, false]));
        Assert.Null(RankingMetrics.AveragePrecision([0.1, 0.9], [false, false]));
    }

    [Fact]
    public void RocAuc_MatchesPairCountingOnRandomData()
    {
        var random = new Random(5);
        var n = 300;
        var scores = Enumerable.Range(0, n).Select(_ => Math.Round(random.NextDouble(), 1)).ToArray(); // many ties
        var truth = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.3).ToArray();
        double wins = 0, pairs = 0;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                if (truth[i] && !truth[j])
                {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
            }
        }

        Assert.Equal(wins / pairs, RankingMetrics.RocAuc(scores, truth)!.Value, 12);
    }

    [Fact]
    public void RocAuc_NaNScore_Throws()
    {
        Assert.Throws<ArgumentException>(() => RankingMetrics.RocAuc([double.NaN, 0.2], [true, false]));
    }
}
