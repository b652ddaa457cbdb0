using System.Text.Json.Serialization;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>What a laid-out page looks like on a phone, measured by <see cref="HeadlessChromium"/>.</summary>
internal sealed record PhoneLayout(
    [property: JsonPropertyName("viewport")] double Viewport,
    [property: JsonPropertyName("scrollWidth")] double ScrollWidth,
    [property: JsonPropertyName("heading")] string? Heading,
    [property: JsonPropertyName("charts")] double[] ChartWidths,
    [property: JsonPropertyName("overflowing")] string[] Overflowing,
    [property: JsonPropertyName("tableBoxWidth")] double? TableBoxWidth,
    [property: JsonPropertyName("tableWidth")] double? TableWidth,
    [property: JsonPropertyName("text")] string Text)
{
    // Every element outside a scrolling box and outside a chart's drawing must end inside the viewport.
    private const string Measure = """
        (() => {
          const viewport = window.innerWidth;
          const overflowing = [...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.table-scroll > *') && !e.closest('svg > *'))
            .filter(e => e.getBoundingClientRect().right > viewport + 0.5 || e.getBoundingClientRect().left < -0.5)
            .map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className : ''));
          const box = document.querySelector('.table-scroll');
          return JSON.stringify({
            viewport,
            scrollWidth: document.documentElement.scrollWidth,
            heading: document.querySelector('h1')?.textContent ?? null,
            charts: [...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().width),
            overflowing,
            tableBoxWidth: box ? box.getBoundingClientRect().width : null,
            tableWidth: box ? box.scrollWidth : null,
            text: document.body.innerText,
          });
        })()
        """;

    public static async Task<PhoneLayout> MeasureAsync(HeadlessChromium browser) =>
        System.Text.Json.JsonSerializer.Deserialize<PhoneLayout>(await browser.EvaluateAsync<string>(Measure))!;
}
