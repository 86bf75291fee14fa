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
        Assert.True(svg.Length > 2000);

        // The legend and the bin labels are text elements of their own ("reference" alone is also in the title).
        var texts = document.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Contains("reference", texts);
        Assert.Contains("current", texts);
        Assert.Equal(["≤ 1", "(1, 2]", "> 2"], texts.Where(histogram.Bins.Contains));

        // Bars are filled rectangles in the two series' colours (SteelBlue, OrangeRed): at least one per bin on each
        // side (ScottPlot also draws each colour once in the legend).
        var fills = document.Descendants().Where(e => e.Name.LocalName == "rect").Select(e => (string?)e.Attribute("fill")).ToList();
        Assert.InRange(fills.Count(f => f == "#4682B4"), histogram.Bins.Count, histogram.Bins.Count + 1);
        Assert.InRange(fills.Count(f => f == "#FF4500"), histogram.Bins.Count, histogram.Bins.Count + 1);
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
