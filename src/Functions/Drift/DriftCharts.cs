using System.Globalization;
using MLOps.Domain.Drift;
using ScottPlot;

namespace MLOps.Functions.Drift;

/// <summary>Draws the drift report's charts as SVG with ScottPlot: reference vs current histograms, and a feature's score over time.</summary>
/// <remarks>
/// SVG because it is text (diffable, small for bar charts, scales in any browser) and needs no image codec. ScottPlot
/// draws through SkiaSharp; on Linux the self-contained native assets (no fontconfig) are used, with Skia's default
/// typeface, so rendering needs nothing installed on the host.
/// </remarks>
public static class DriftCharts
{
    public const string ContentType = "image/svg+xml";
    private const int Width = 720;
    private const int Height = 400;

    /// <summary>Reference and current shares per bin or category, side by side.</summary>
    public static string Histogram(string feature, DriftHistogram histogram, string verdict)
    {
        using var plot = new Plot();
        var n = histogram.Bins.Count;
        var refBars = new List<Bar>(n);
        var curBars = new List<Bar>(n);
        for (var i = 0; i < n; i++)
        {
            refBars.Add(new Bar { Position = i - 0.2, Value = histogram.Reference[i], Size = 0.4, FillColor = Colors.SteelBlue });
            curBars.Add(new Bar { Position = i + 0.2, Value = histogram.Current[i], Size = 0.4, FillColor = Colors.OrangeRed });
        }

        var reference = plot.Add.Bars(refBars);
        reference.LegendText = "reference";
        var current = plot.Add.Bars(curBars);
        current.LegendText = "current";
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, n).Select(i => (double)i).ToArray(), histogram.Bins.Select(Clip).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = n > 6 ? 30 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = n > 6 ? Alignment.MiddleLeft : Alignment.UpperCenter;
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("share of rows");
        plot.Title($"{Clip(feature)}: reference vs current ({verdict})");
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetSvgXml(Width, Height);
    }

    /// <summary>A feature's drift score at each run, with the threshold as a horizontal line.</summary>
    public static string ScoreOverTime(string feature, IReadOnlyList<(DateTimeOffset At, double Score)> points, double? threshold, string method)
    {
        using var plot = new Plot();
        if (points.Count > 0)
        {
            var xs = points.Select(p => p.At.UtcDateTime.ToOADate()).ToArray();
            var ys = points.Select(p => p.Score).ToArray();
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = method;
            plot.Axes.DateTimeTicksBottom();
        }

        if (threshold is { } t)
        {
            var limit = plot.Add.HorizontalLine(t);
            limit.LineColor = Colors.Red;
            limit.LinePattern = LinePattern.Dashed;
            limit.LegendText = "threshold " + t.ToString("G3", CultureInfo.InvariantCulture);
        }

        plot.YLabel(method.EndsWith("(p-value)", StringComparison.Ordinal) ? "p-value (drift below the line)" : "distance (drift at or above the line)");
        plot.Title($"{Clip(feature)}: drift score over time");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot.GetSvgXml(Width, Height);
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
