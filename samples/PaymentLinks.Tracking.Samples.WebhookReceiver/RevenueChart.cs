using System.Globalization;
using System.Text.RegularExpressions;
using PaymentLinks.Tracking.Samples;
using ScottPlot;

namespace PaymentLinks.Tracking.Samples.WebhookReceiver;

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
            Value = (double)CampaignReportText.MajorUnits(row.Revenue, currency),
            FillColor = Color.FromHex("#4f46e5"),
            Label = CampaignReportText.MajorUnits(row.Revenue, currency).ToString("N" + CampaignReportText.Decimals(currency), CultureInfo.InvariantCulture),
        }).ToList();
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        barPlot.ValueLabelStyle.FontSize = 14;

        var positions = bars.Select(bar => bar.Position).ToArray();
        var labels = rows.Select(row => Shorten(CampaignReportText.Campaign(row))).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, labels);
        plot.Axes.Left.TickLabelStyle.FontSize = 14;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 12;
        plot.Axes.Bottom.Label.Text = $"Revenue ({CampaignReportText.Currency(currency)})";
        plot.Axes.Bottom.Label.FontSize = 14;
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.08);

        // Bars start at zero, with room on the right for their labels.
        plot.Axes.Margins(left: 0, right: 0.45, bottom: 0.1, top: 0.1);

        var svg = plot.GetSvgXml(Width, Chrome + (BarHeight * rows.Count));
        return Scalable(svg);
    }

    // An axis label longer than this would squeeze the bars on a phone; the table has the full name.
    private static string Shorten(string campaign) => campaign.Length <= 22 ? campaign : campaign[..21] + "…";

    // Inline SVG in HTML: no XML declaration, and the root's attributes replaced by a role, a label and a viewBox (HTML
    // needs no namespace declarations), so that CSS can scale the chart to the width of its box.
    private static string Scalable(string svg)
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
            $"<svg role=\"img\" aria-label=\"Revenue by campaign\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\"",
            svg.AsSpan(size.Index + size.Length));
    }

    [GeneratedRegex(@"^\s*<\?xml[^>]*\?>\s*")]
    private static partial Regex XmlDeclaration();

    [GeneratedRegex("<svg(?=[^>]*?width=\"(?<width>[0-9.]+)\")(?=[^>]*?height=\"(?<height>[0-9.]+)\")[^>]*?(?=>)")]
    private static partial Regex SvgSize();
}
