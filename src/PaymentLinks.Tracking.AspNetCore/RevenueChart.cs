using System.Text.RegularExpressions;
using ScottPlot;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>
/// A horizontal bar chart of revenue by campaign for one currency, drawn by ScottPlot as SVG that scales to its box.
/// Currencies are never summed: the page draws one chart per currency.
/// </summary>
internal static partial class RevenueChart
{
    // Drawn about as wide as a phone shows it, so that the text stays readable when the SVG scales down.
    private const int Width = 440;
    private const int BarHeight = 40;
    private const int Chrome = 100;

    /// <param name="currency">The rows' currency.</param>
    /// <param name="rows">The rows of one currency, largest revenue first.</param>
    public static string Svg(string? currency, IReadOnlyList<CampaignReportRow> rows)
    {
        var plot = new Plot();
        plot.Font.Set(Fonts.Sans);
        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;

        // The largest revenue at the top: ScottPlot counts positions upwards.
        var bars = rows.Select((row, index) => new Bar
        {
            Position = rows.Count - 1 - index,
            Value = (double)ReportText.MajorUnits(row.Revenue, currency),
            FillColor = Color.FromHex("#4f46e5"),
            Label = ReportText.Amount(row.Revenue, currency),
        }).ToList();
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        barPlot.ValueLabelStyle.FontSize = 14;

        var positions = bars.Select(bar => bar.Position).ToArray();
        var labels = rows.Select(row => Shorten(ReportText.Campaign(row))).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, labels);
        plot.Axes.Left.TickLabelStyle.FontSize = 14;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 12;
        plot.Axes.Bottom.Label.Text = $"Revenue ({ReportText.Currency(currency)})";
        plot.Axes.Bottom.Label.FontSize = 14;
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.08);

        // Bars start at zero, with room on the right for their labels.
        plot.Axes.Margins(left: 0, right: 0.45, bottom: 0.1, top: 0.1);

        var svg = plot.GetSvgXml(Width, Chrome + (BarHeight * rows.Count));
        return Scalable(svg, "Revenue by campaign");
    }

    /// <summary>How many of a currency's campaigns the net-over-time chart follows, and into how many steps it cuts the period.</summary>
    private const int TopCampaigns = 3;
    private const int Steps = 12;

    /// <summary>
    /// Net revenue (gross less refunds and lost disputes) of each currency's top campaigns in each step of the period:
    /// one report per step, so a refund lowers the step it was made in. A period without a start goes back twelve weeks
    /// from its end (or now); each step is at least a day.
    /// </summary>
    public static async Task<IReadOnlyList<NetRevenueSeries>> NetOverTimeAsync(
        IPaymentLinkAttribution attribution,
        IReadOnlyList<CampaignReportRow> rows,
        DateTimeOffset? since,
        DateTimeOffset? until,
        PaymentLinkMode mode,
        AttributionModel model,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var end = until ?? now;
        var start = since ?? end.AddDays(-7 * Steps);
        if (end <= start)
        {
            return [];
        }

        var step = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerDay, (end - start).Ticks / Steps));
        var top = rows.GroupBy(row => row.Currency)
            .SelectMany(currency => currency.OrderByDescending(row => row.Revenue).Take(TopCampaigns))
            .ToList();
        var points = top.ToDictionary(Key, _ => new List<NetRevenuePoint>());
        for (var from = start; from < end; from += step)
        {
            var to = from + step < end ? from + step : end;
            var stepRows = (await attribution.ReportAsync(from, to, mode, model, cancellationToken).ConfigureAwait(false)).ToDictionary(Key);
            foreach (var row in top)
            {
                points[Key(row)].Add(new NetRevenuePoint(from, stepRows.TryGetValue(Key(row), out var stepRow) ? stepRow.Revenue : 0));
            }
        }

        return [.. top.Select(row => new NetRevenueSeries(ReportText.Campaign(row), row.Currency, points[Key(row)]))];

        static (string?, string?, string?, string?) Key(CampaignReportRow row) => (row.UtmSource, row.UtmMedium, row.UtmCampaign, row.Currency);
    }

    /// <summary>A line per campaign of net revenue over time, in one currency, drawn by ScottPlot as scalable SVG.</summary>
    public static string NetOverTimeSvg(string? currency, IReadOnlyList<NetRevenueSeries> series)
    {
        var plot = new Plot();
        plot.Font.Set(Fonts.Sans);
        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < series.Count; i++)
        {
            var line = series[i];
            var scatter = plot.Add.Scatter(
                line.Points.Select(point => point.Start.UtcDateTime.ToOADate()).ToArray(),
                line.Points.Select(point => (double)ReportText.MajorUnits(point.Net, currency)).ToArray());
            scatter.LegendText = Shorten(line.Campaign);
            scatter.Color = palette.GetColor(i);
            scatter.LineWidth = 2;
            scatter.MarkerSize = 5;
        }

        plot.Axes.DateTimeTicksBottom();
        plot.Axes.Bottom.TickLabelStyle.FontSize = 12;
        plot.Axes.Left.TickLabelStyle.FontSize = 12;
        plot.Axes.Left.Label.Text = $"Net ({ReportText.Currency(currency)})";
        plot.Axes.Left.Label.FontSize = 14;
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.08);
        plot.ShowLegend(Alignment.UpperLeft);
        return Scalable(plot.GetSvgXml(Width, 300), "Net revenue over time by campaign");
    }

    // An axis label longer than this would squeeze the bars on a phone; the table has the full name.
    private static string Shorten(string campaign) => campaign.Length <= 22 ? campaign : campaign[..21] + "…";

    // Inline SVG in HTML: no XML declaration, and the root's attributes replaced by a role, a label and a viewBox (HTML
    // needs no namespace declarations), so that CSS can scale the chart to the width of its box.
    private static string Scalable(string svg, string label)
    {
        svg = XmlDeclaration().Replace(svg, string.Empty);
        var size = SvgSize().Match(svg);
        if (!size.Success)
        {
            return svg;
        }

        var (width, height) = (size.Groups["width"].Value, size.Groups["height"].Value);
        return string.Concat(
            svg.AsSpan(0, size.Index),
            $"<svg role=\"img\" aria-label=\"{label}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\"",
            svg.AsSpan(size.Index + size.Length));
    }

    [GeneratedRegex(@"^\s*<\?xml[^>]*\?>\s*")]
    private static partial Regex XmlDeclaration();

    [GeneratedRegex("<svg(?=[^>]*?width=\"(?<width>[0-9.]+)\")(?=[^>]*?height=\"(?<height>[0-9.]+)\")[^>]*?(?=>)")]
    private static partial Regex SvgSize();
}

/// <summary>One campaign's net revenue in each step of the period, in its currency's minor unit.</summary>
internal sealed record NetRevenueSeries(string Campaign, string? Currency, IReadOnlyList<NetRevenuePoint> Points);

/// <summary>The net revenue of one step, starting at <see cref="Start"/>.</summary>
internal sealed record NetRevenuePoint(DateTimeOffset Start, long Net);
