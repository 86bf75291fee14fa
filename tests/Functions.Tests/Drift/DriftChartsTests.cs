using System.Xml.Linq;
using MLOps.Domain.Drift;
using MLOps.Functions.Drift;

namespace MLOps.Functions.Tests.Drift;

/// <summary>ScottPlot renders headless on this Linux host: the charts are well-formed SVG with the expected content.</summary>
public sealed class DriftChartsTests
{
    [Fact]
    public void Histogram_TwoSeries_IsSvgWithTitleAndOneBarPerBinAndSide()
    {
        var histogram = new DriftHistogram(["≤ 1", "(1, 2]", "> 2"], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6]);

        var svg = DriftCharts.Histogram("income", histogram, "drifted");

        var document = XDocument.Parse(svg);
        Assert.Equal("svg", document.Root!.Name.LocalName);
        Assert.Contains("income: reference vs current (drifted)", svg, StringComparison.Ordinal);
        Assert.Contains("reference", svg, StringComparison.Ordinal);
        Assert.Contains("(1, 2]", svg, StringComparison.Ordinal);
        Assert.True(svg.Length > 2000);
    }

    [Fact]
    public void ScoreOverTime_PointsAndThreshold_IsSvg()
    {
        var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var svg = DriftCharts.ScoreOverTime("plan", [(at, 0.03), (at.AddMinutes(15), 0.08), (at.AddMinutes(30), 0.21)], 0.1, "jensenShannon");

        Assert.Equal("svg", XDocument.Parse(svg).Root!.Name.LocalName);
        Assert.Contains("plan: drift score over time", svg, StringComparison.Ordinal);
        Assert.Contains("threshold 0.1", svg, StringComparison.Ordinal);
    }
}
