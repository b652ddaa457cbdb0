using System.Text;
using System.Text.Json;
using CsCheck;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Attribution;

public class CampaignReportJsonTests
{
    private static readonly CampaignReportRow SpringSale = new(
        "newsletter", "email", "spring_sale", "eur", 12, 11, 54890, 9, 9, 2, 1,
        Gross: 60890, Renewals: 3, RenewalRevenue: 6000, Refunded: 4990, Disputed: 1010, Tax: 9400);
    private static readonly CampaignReportRow Unattributed = new(null, null, null, "usd", 3, 2, 1998, 0, 0, 0, 0);

    // Any text without lone surrogates (which are not text), control and HTML characters included.
    private static readonly Gen<string?> AnyCode = Gen.String[Gen.Char['\0', '\uD7FF'], 0, 30].Null();

    private static readonly Gen<CampaignReportRow> AnyRow =
        Gen.Select(AnyCode, AnyCode, AnyCode, AnyCode, Gen.Long, Gen.Long)
            .SelectMany(text => Gen.Select(Gen.Long, Gen.Long, Gen.Long, Gen.Long, Gen.Long).Select(counts => (text, counts)))
            .SelectMany(row => Gen.Select(Gen.Long, Gen.Long, Gen.Long, Gen.Long, Gen.Long, Gen.Long).Select(money => new CampaignReportRow(
                row.text.Item1, row.text.Item2, row.text.Item3, row.text.Item4, row.text.Item5, row.text.Item6,
                row.counts.Item1, row.counts.Item2, row.counts.Item3, row.counts.Item4, row.counts.Item5,
                money.Item1, money.Item2, money.Item3, money.Item4, money.Item5, money.Item6)));

    [Test]
    public void Each_row_is_an_object_with_exactly_the_documented_names_in_order()
    {
        using var json = JsonDocument.Parse(CampaignReportJson.ToJson([SpringSale]));

        json.RootElement.ValueKind.ShouldBe(JsonValueKind.Array);
        json.RootElement.EnumerateArray().Single().EnumerateObject().Select(property => property.Name).ShouldBe(
        [
            "utm_source", "utm_medium", "utm_campaign", "currency", "sessions", "paid", "revenue", "visits",
            "by_visit", "by_reference", "by_link", "gross", "renewals", "renewal_revenue", "refunded", "disputed", "tax",
        ]);
    }

    [Test]
    public void A_row_is_written_as_its_values_with_revenue_in_minor_units()
    {
        CampaignReportJson.ToJson([SpringSale]).ShouldBe(
            """[{"utm_source":"newsletter","utm_medium":"email","utm_campaign":"spring_sale","currency":"eur","sessions":12,"paid":11,"revenue":54890,"visits":9,"by_visit":9,"by_reference":2,"by_link":1,"gross":60890,"renewals":3,"renewal_revenue":6000,"refunded":4990,"disputed":1010,"tax":9400}]""");
    }

    [Test]
    public void An_unattributed_row_has_null_utm_codes_not_empty_strings()
    {
        using var json = JsonDocument.Parse(CampaignReportJson.ToJson([Unattributed, SpringSale with { Currency = null }]));
        var rows = json.RootElement.EnumerateArray().ToArray();

        rows[0].GetProperty("utm_source").ValueKind.ShouldBe(JsonValueKind.Null);
        rows[0].GetProperty("utm_medium").ValueKind.ShouldBe(JsonValueKind.Null);
        rows[0].GetProperty("utm_campaign").ValueKind.ShouldBe(JsonValueKind.Null);
        rows[0].GetProperty("currency").GetString().ShouldBe("usd");
        rows[1].GetProperty("currency").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [TestCase(false, "[]")]
    [TestCase(true, "[]")]
    public void No_rows_give_an_empty_array(bool indented, string expected) =>
        CampaignReportJson.ToJson([], indented).ShouldBe(expected);

    [Test]
    public void Indented_json_holds_the_same_values_on_several_lines()
    {
        var indented = CampaignReportJson.ToJson([SpringSale, Unattributed], indented: true);

        indented.ShouldContain("\n");
        using var compact = JsonDocument.Parse(CampaignReportJson.ToJson([SpringSale, Unattributed]));
        using var readable = JsonDocument.Parse(indented);
        JsonElement.DeepEquals(compact.RootElement, readable.RootElement).ShouldBeTrue();
    }

    [Test]
    public void Html_characters_in_a_code_are_escaped_and_read_back_unchanged()
    {
        var row = SpringSale with { UtmCampaign = "</script><b>&\"'" };

        var json = CampaignReportJson.ToJson([row]);

        json.ShouldNotContain("<");
        json.ShouldNotContain(">");
        using var document = JsonDocument.Parse(json);
        document.RootElement[0].GetProperty("utm_campaign").GetString().ShouldBe(row.UtmCampaign);
    }

    [Test]
    public async Task The_stream_gets_the_same_utf8_bytes_as_the_string_without_a_byte_order_mark()
    {
        using var stream = new MemoryStream();

        await CampaignReportJson.WriteAsync(stream, [SpringSale, Unattributed], indented: true);

        stream.ToArray().ShouldBe(Encoding.UTF8.GetBytes(CampaignReportJson.ToJson([SpringSale, Unattributed], indented: true)));
        stream.CanWrite.ShouldBeTrue();
    }

    [Test]
    public void A_null_row_is_refused_by_name()
    {
        Should.Throw<ArgumentException>(() => CampaignReportJson.ToJson([SpringSale, null!])).ParamName.ShouldBe("rows");
    }

    [Test]
    public void Any_rows_read_back_through_JsonDocument_as_the_rows_written()
    {
        AnyRow.List[0, 5].Sample(
            rows =>
            {
                using var json = JsonDocument.Parse(CampaignReportJson.ToJson(rows));
                json.RootElement.EnumerateArray().Select(Read).ShouldBe(rows);
            },
            iter: PropertyRuns.Iterations);
    }

    private static CampaignReportRow Read(JsonElement row) => new(
        row.GetProperty("utm_source").GetString(),
        row.GetProperty("utm_medium").GetString(),
        row.GetProperty("utm_campaign").GetString(),
        row.GetProperty("currency").GetString(),
        row.GetProperty("sessions").GetInt64(),
        row.GetProperty("paid").GetInt64(),
        row.GetProperty("revenue").GetInt64(),
        row.GetProperty("visits").GetInt64(),
        row.GetProperty("by_visit").GetInt64(),
        row.GetProperty("by_reference").GetInt64(),
        row.GetProperty("by_link").GetInt64(),
        row.GetProperty("gross").GetInt64(),
        row.GetProperty("renewals").GetInt64(),
        row.GetProperty("renewal_revenue").GetInt64(),
        row.GetProperty("refunded").GetInt64(),
        row.GetProperty("disputed").GetInt64(),
        row.GetProperty("tax").GetInt64());
}
