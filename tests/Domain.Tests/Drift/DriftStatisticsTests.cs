using MLOps.Domain.Drift;

namespace MLOps.Domain.Tests.Drift;

/// <summary>
/// Each statistic pinned against a value computed independently: by hand, by brute-force enumeration, or with
/// scipy 1.10.1 (the call is in a comment next to each number; scipy's documented examples where one exists).
/// </summary>
public sealed class DriftStatisticsTests
{
    // Two samples with a clear location shift (25 and 20 values).
    private static readonly double[] ShiftA = Sorted(0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64, -0.82, 0.37, 1.77, 1.09, -1.28, 2.36, 1.31, 1.05, -0.52, -0.73, -1.69, 0.67);
    private static readonly double[] ShiftB = Sorted(1.71, 2.45, 1.58, 0.97, 2.23, 0.42, 1.95, 3.12, 1.26, 1.79, 0.55, 2.08, 1.43, 2.61, 1.37, 0.88, 2.71, 1.02, 1.66, 2.29);

    [Fact]
    public void PopulationStabilityIndex_UniformAgainstRamp_MatchesHandComputation()
    {
        // (.1-.25)ln(.1/.25) + (.2-.25)ln(.2/.25) + (.3-.25)ln(.3/.25) + (.4-.25)ln(.4/.25)
        var psi = DriftStatistics.PopulationStabilityIndex([25, 25, 25, 25], [10, 20, 30, 40]);

        Assert.Equal(0.22821740957339182, psi, 12);
    }

    [Fact]
    public void PopulationStabilityIndex_EmptyReferenceBin_UsesEpsilonAndStaysFinite()
    {
        // Reference share 0 becomes 1e-4: (.4-.5)ln(.8) + (.1-1e-4)ln(.1/1e-4).
        var psi = DriftStatistics.PopulationStabilityIndex([50, 50, 0], [50, 40, 10]);

        Assert.Equal(0.7123991075017365, psi, 12);
    }

    [Fact]
    public void PopulationStabilityIndex_SameShares_IsZero()
    {
        Assert.Equal(0, DriftStatistics.PopulationStabilityIndex([1, 2, 3], [10, 20, 30]), 15);
    }

    [Fact]
    public void KolmogorovSmirnov_ShiftedSamples_ExactMatchesScipy()
    {
        // scipy.stats.ks_2samp(a, b, method='exact') -> statistic=0.66, pvalue=4.312133690146822e-05
        var result = DriftStatistics.KolmogorovSmirnov(ShiftA, ShiftB);

        Assert.Equal(KsMethod.Exact, result.Method);
        Assert.Equal(0.66, result.Statistic, 12);
        Assert.Equal(4.312133690146822e-05, result.PValue, 12);
    }

    [Fact]
    public void KolmogorovSmirnov_TiedSamples_ExactMatchesScipy()
    {
        // scipy.stats.ks_2samp([1,2,2,3,5,8,8,8], [2,3,3,4,9], method='exact') -> statistic=0.3, pvalue=0.850815850815851
        var result = DriftStatistics.KolmogorovSmirnov([1, 2, 2, 3, 5, 8, 8, 8], [2, 3, 3, 4, 9]);

        Assert.Equal(0.3, result.Statistic, 12);
        Assert.Equal(0.850815850815851, result.PValue, 12);
    }

    [Fact]
    public void KolmogorovSmirnov_RepeatedValues_ExactMatchesScipy()
    {
        // scipy.stats.ks_2samp([1..10]*10, [1.5..10.5]*10, method='exact').pvalue -> 0.7020569828664881
        var a = Enumerable.Range(1, 10).SelectMany(v => Enumerable.Repeat((double)v, 10)).ToArray();
        var b = a.Select(v => v + 0.5).ToArray();

        var result = DriftStatistics.KolmogorovSmirnov(a, b);

        Assert.Equal(0.1, result.Statistic, 12);
        Assert.Equal(0.7020569828664881, result.PValue, 10);
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(5, 5)]
    [InlineData(6, 4)]
    [InlineData(7, 5)]
    public void KolmogorovSmirnov_ExactPValue_EqualsShareOfAllRankOrderings(int n, int m)
    {
        // Under the null every assignment of the ranks 1..n+m to the two samples is equally likely; enumerate them all
        // and count those with a D at least as large as the observed one.
        var random = new Random(n * 31 + m);
        var pooled = Enumerable.Range(0, n + m).Select(_ => random.NextDouble()).ToArray();
        var observedA = pooled[..n].Order().ToArray();
        var observedB = pooled[n..].Order().ToArray();
        var observed = DriftStatistics.KolmogorovSmirnov(observedA, observedB);

        var ranks = Enumerable.Range(0, n + m).Select(r => (double)r).ToArray();
        long total = 0, asExtreme = 0;
        foreach (var subset in Subsets(n + m, n))
        {
            var inA = new bool[n + m];
            foreach (var s in subset)
            {
                inA[s] = true;
            }

            var a = ranks.Where((_, r) => inA[r]).ToArray();
            var b = ranks.Where((_, r) => !inA[r]).ToArray();
            total++;
            if (BruteForceD(a, b) >= observed.Statistic - 1e-12)
            {
                asExtreme++;
            }
        }

        Assert.Equal((double)asExtreme / total, observed.PValue, 12);
    }

    [Fact]
    public void KolmogorovSmirnov_AboveExactBound_UsesAsymptoticCloseToExact()
    {
        var random = new Random(5);
        var a = Enumerable.Range(0, 300).Select(_ => Normal(random)).Order().ToArray();
        var b = Enumerable.Range(0, 250).Select(_ => Normal(random) + 0.3).Order().ToArray();

        var exact = DriftStatistics.KolmogorovSmirnov(a, b, exactBound: long.MaxValue);
        var asymptotic = DriftStatistics.KolmogorovSmirnov(a, b, exactBound: 0);

        Assert.Equal(KsMethod.Exact, exact.Method);
        Assert.Equal(KsMethod.Asymptotic, asymptotic.Method);
        Assert.Equal(exact.Statistic, asymptotic.Statistic);
        // Near the 5% threshold, where the verdict is decided (exact 0.05326 here), the two agree to 3 decimals.
        Assert.InRange(exact.PValue, 0.03, 0.08);
        Assert.InRange(Math.Abs(exact.PValue - asymptotic.PValue), 0, 0.001);
    }

    [Fact]
    public void KolmogorovSmirnov_IdenticalSamples_DIsZeroAndPIsOne()
    {
        var result = DriftStatistics.KolmogorovSmirnov([1, 2, 3], [1, 2, 3]);

        Assert.Equal(0, result.Statistic);
        Assert.Equal(1, result.PValue);
    }

    [Fact]
    public void KolmogorovSmirnov_UnsortedInput_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => DriftStatistics.KolmogorovSmirnov([2, 1], [1, 2]));
        Assert.Throws<ArgumentException>(() => DriftStatistics.KolmogorovSmirnov([1, double.NaN], [1, 2]));
    }

    [Theory]
    [InlineData(0.5, 0.9639452436648751)] // scipy.stats.kstwobign.sf(0.5)
    [InlineData(1.0, 0.26999967167735456)] // scipy.stats.kstwobign.sf(1.0)
    [InlineData(1.36, 0.049485876755377876)] // scipy.stats.kstwobign.sf(1.36), the classic 5% critical value
    [InlineData(2.0, 0.0006709252557796953)] // scipy.stats.kstwobign.sf(2.0)
    public void KolmogorovSurvival_BothSeries_MatchScipyKstwobign(double lambda, double expected)
    {
        Assert.Equal(expected, DriftStatistics.KolmogorovSurvival(lambda), 12);
    }

    [Fact]
    public void ChiSquare_TwoSamples_MatchesScipyContingency()
    {
        // scipy.stats.chi2_contingency([[30,50,20],[40,35,25]], correction=False) -> (4.631185807656395, 0.09870764250999253, dof 2)
        var result = DriftStatistics.ChiSquare([30, 50, 20], [40, 35, 25]);

        Assert.Equal(4.631185807656395, result.Statistic, 12);
        Assert.Equal(0.09870764250999253, result.PValue, 12);
    }

    [Fact]
    public void ChiSquare_ReferenceOfAnotherSize_MatchesScipyContingency()
    {
        // scipy.stats.chi2_contingency([[300,500,200],[40,35,25]], correction=False) -> (8.257895058334855, 0.016099814494039827)
        var result = DriftStatistics.ChiSquare([300, 500, 200], [40, 35, 25]);

        Assert.Equal(8.257895058334855, result.Statistic, 12);
        Assert.Equal(0.016099814494039827, result.PValue, 12);
    }

    [Fact]
    public void ChiSquare_CategoryUnseenInReference_UsesPooledShareWithoutSmoothing()
    {
        // scipy.stats.chi2_contingency([[50,50,0],[45,45,10]], correction=False) -> (10.526315789473685, 0.005178924370597749)
        var result = DriftStatistics.ChiSquare([50, 50, 0, 0], [45, 45, 10, 0]);

        Assert.Equal(10.526315789473685, result.Statistic, 12);
        Assert.Equal(0.005178924370597749, result.PValue, 12);
    }

    [Fact]
    public void ChiSquareGoodnessOfFit_ScipyDocumentedExample_Matches()
    {
        // scipy.stats.chisquare([16, 18, 16, 14, 12, 12], f_exp=[16, 16, 16, 16, 16, 8]) -> (3.5, 0.6233876277495822)
        var result = DriftStatistics.ChiSquareGoodnessOfFit([16, 16, 16, 16, 16, 8], [16, 18, 16, 14, 12, 12]);

        Assert.Equal(3.5, result.Statistic, 12);
        Assert.Equal(0.6233876277495822, result.PValue, 12);
    }

    [Fact]
    public void ChiSquareGoodnessOfFit_ReferenceOfAnotherSize_RescalesExpectedToCurrentTotal()
    {
        // ref [30,50,20] (100 rows, shares .3/.5/.2), cur [40,35,25] (100 rows) -> expected [30,50,20]:
        // scipy.stats.chisquare([40,35,25], f_exp=[30,50,20]) -> (9.083333333333334, 0.010655632358543929)
        var sameSize = DriftStatistics.ChiSquareGoodnessOfFit([30, 50, 20], [40, 35, 25]);
        var tenTimes = DriftStatistics.ChiSquareGoodnessOfFit([300, 500, 200], [40, 35, 25]);

        Assert.Equal(9.083333333333334, sameSize.Statistic, 12);
        Assert.Equal(0.010655632358543929, sameSize.PValue, 12);
        Assert.Equal(sameSize.Statistic, tenTimes.Statistic, 12);
    }

    [Fact]
    public void ChiSquareGoodnessOfFit_CategoryUnseenInReference_IsFiniteAndSignificant()
    {
        // Reference counts + 0.5 each: shares 50.5/101.5, 50.5/101.5, 0.5/101.5 of 100 current rows.
        var result = DriftStatistics.ChiSquareGoodnessOfFit([50, 50, 0], [45, 45, 10]);

        var e0 = 100 * 50.5 / 101.5;
        var e2 = 100 * 0.5 / 101.5;
        var expected = (2 * (45 - e0) * (45 - e0) / e0) + ((10 - e2) * (10 - e2) / e2);
        Assert.Equal(expected, result.Statistic, 9);
        Assert.True(double.IsFinite(result.Statistic));
        Assert.True(result.PValue < 1e-10);
    }

    [Fact]
    public void ChiSquareSurvival_MatchesScipy()
    {
        Assert.Equal(0.6233876277495822, DriftStatistics.ChiSquareSurvival(3.5, 5), 13); // scipy.stats.chi2.sf(3.5, 5)
        Assert.Equal(1.5541594313896026e-21 / 1e-21, DriftStatistics.ChiSquareSurvival(100, 3) / 1e-21, 12); // scipy.stats.chi2.sf(100, 3)
    }

    [Fact]
    public void JensenShannonDistance_ScipyDocumentedExamples_Match()
    {
        // scipy.spatial.distance.jensenshannon([1.0, 0.0], [0.5, 0.5]) -> 0.46450140402245893 (natural log)
        Assert.Equal(0.46450140402245893, DriftStatistics.JensenShannonDistance([1.0, 0.0], [0.5, 0.5]), 14);

        // Disjoint supports reach the maximum √ln 2 (scipy gives 1.0 with base 2).
        Assert.Equal(Math.Sqrt(Math.Log(2)), DriftStatistics.JensenShannonDistance([1, 0, 0], [0, 1, 0]), 14);
    }

    [Fact]
    public void JensenShannonDistance_Counts_AreNormalisedFirst()
    {
        // scipy.spatial.distance.jensenshannon([30,50,20], [40,35,25]) -> 0.1078325891819442
        Assert.Equal(0.1078325891819442, DriftStatistics.JensenShannonDistance([30, 50, 20], [40, 35, 25]), 14);
    }

    [Fact]
    public void Wasserstein1_ScipyExamples_Match()
    {
        // scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) -> 5.0
        Assert.Equal(5.0, DriftStatistics.Wasserstein1([0, 1, 3], [5, 6, 8]), 12);

        // scipy.stats.wasserstein_distance(a, b) on the shifted samples -> 1.4932
        Assert.Equal(1.4932, DriftStatistics.Wasserstein1(ShiftA, ShiftB), 12);
    }

    [Fact]
    public void NormalisedWasserstein_DividesByReferenceStdDev_AndHandlesConstantReference()
    {
        Assert.Equal(2.5, DriftStatistics.NormalisedWasserstein([0, 1, 3], [5, 6, 8], 2.0), 12);
        Assert.Equal(0, DriftStatistics.NormalisedWasserstein([4, 4], [4, 4, 4], 0));
        Assert.Equal(double.PositiveInfinity, DriftStatistics.NormalisedWasserstein([4, 4], [4, 5], 0));
    }

    [Fact]
    public void TwoProportionZ_HandComputedCase_MatchesScipyNormal()
    {
        // p1 = .5, p2 = .6, pooled .55: z = -.1 / sqrt(.55 * .45 * (1/100 + 1/100)); p = 2 * scipy.stats.norm.sf(|z|)
        var result = DriftStatistics.TwoProportionZ(50, 100, 60, 100);

        Assert.Equal(-1.4213381090374024, result.Statistic, 12);
        Assert.Equal(0.1552184896846841, result.PValue, 12);
    }

    [Fact]
    public void TwoProportionZ_BothConstant_IsNoEvidence()
    {
        var result = DriftStatistics.TwoProportionZ(100, 100, 30, 30);

        Assert.Equal(0, result.Statistic);
        Assert.Equal(1, result.PValue);
    }

    private static double[] Sorted(params double[] values) => values.Order().ToArray();

    private static double BruteForceD(double[] a, double[] b) =>
        a.Concat(b).Distinct().Max(x => Math.Abs(((double)a.Count(v => v <= x) / a.Length) - ((double)b.Count(v => v <= x) / b.Length)));

    private static IEnumerable<int[]> Subsets(int size, int choose)
    {
        var indexes = Enumerable.Range(0, choose).ToArray();
        while (true)
        {
            yield return (int[])indexes.Clone();
            var i = choose - 1;
            while (i >= 0 && indexes[i] == size - choose + i)
            {
                i--;
            }

            if (i < 0)
            {
                yield break;
            }

            indexes[i]++;
            for (var j = i + 1; j < choose; j++)
            {
                indexes[j] = indexes[j - 1] + 1;
            }
        }
    }

    internal static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
