using System.Text;
using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.Webhooks.SignedWebhooks;

namespace PaymentLinks.Tracking.Tests.Webhooks;

public class PayloadTests
{
    private const int Limit = 8 * 1024;

    /// <summary>A signed event padded with trailing white space (still valid JSON) to exactly <paramref name="length"/> bytes.</summary>
    private static byte[] EventOfLength(int length)
    {
        var body = CompletedEventBody();
        body.Length.ShouldBeLessThan(length);
        var padded = new byte[length];
        body.CopyTo(padded, 0);
        padded.AsSpan(body.Length).Fill((byte)' ');
        return padded;
    }

    [TestCase(Limit, PaymentLinkWebhookRejection.None)]
    [TestCase(Limit + 1, PaymentLinkWebhookRejection.PayloadTooLarge)]
    [TestCase(Limit * 4, PaymentLinkWebhookRejection.PayloadTooLarge)]
    public void Accepts_a_payload_up_to_the_maximum_size(int length, PaymentLinkWebhookRejection expected)
    {
        var body = EventOfLength(length);

        EveryEntryPoint.Rejection(Parser(maxPayloadBytes: Limit), body, Header(body)).ShouldBe(expected);
    }

    [Test]
    public void Counts_the_size_of_text_in_UTF_8_bytes()
    {
        var body = EventOfLength(Limit);
        var text = Encoding.UTF8.GetString(body).Replace(ClientReferenceId, "ordér_8472-b", StringComparison.Ordinal);
        text.Length.ShouldBe(Limit);

        Parser(maxPayloadBytes: Limit).TryParse(text, Header(Encoding.UTF8.GetBytes(text)), out _, out var reason).ShouldBeFalse();
        reason.ShouldBe(PaymentLinkWebhookRejection.PayloadTooLarge);
    }

    [Test]
    public async Task Stops_reading_an_endless_body_one_byte_past_the_limit()
    {
        var body = new EndlessStream();

        var result = await Parser(maxPayloadBytes: Limit).TryParseAsync(body, $"t={NowSeconds},v1={new string('0', 64)}");

        result.Succeeded.ShouldBeFalse();
        result.Rejection.ShouldBe(PaymentLinkWebhookRejection.PayloadTooLarge);
        body.BytesRead.ShouldBe(Limit + 1);
    }

    [Test]
    public async Task Refuses_a_seekable_body_longer_than_the_limit_without_reading_it()
    {
        var body = new MemoryStream(EventOfLength(Limit + 1));

        var exception = await Should.ThrowAsync<PaymentLinkWebhookException>(() => Parser(maxPayloadBytes: Limit).ParseAsync(body, Header(body.ToArray())));

        exception.Reason.ShouldBe(PaymentLinkWebhookRejection.PayloadTooLarge);
        body.Position.ShouldBe(0);
    }

    [Test]
    public async Task Does_not_read_the_body_of_a_request_without_a_signature_header()
    {
        var body = new EndlessStream();

        var result = await Parser().TryParseAsync(body, null);

        result.Rejection.ShouldBe(PaymentLinkWebhookRejection.MissingHeader);
        body.BytesRead.ShouldBe(0);
    }

    [Test]
    public async Task Reads_a_stream_from_its_current_position()
    {
        var body = CompletedEventBody();
        var stream = new MemoryStream();
        stream.Write("ignored prefix"u8);
        var start = stream.Position;
        stream.Write(body);
        stream.Position = start;

        var paymentLinkEvent = await Parser().ParseAsync(stream, Header(body));

        paymentLinkEvent.EventId.ShouldBe(EventId);
    }

    [Test]
    public async Task Reads_a_large_body_that_arrives_in_small_pieces()
    {
        var body = EventOfLength(200_000);
        var stream = new UnseekableStream(new TricklingStream(body, pieceLength: 1_000));

        var paymentLinkEvent = await Parser().ParseAsync(stream, Header(body));

        paymentLinkEvent.Checkout!.ClientReferenceId.ShouldBe(ClientReferenceId);
        stream.BytesRead.ShouldBe(body.Length);
    }

    [Test]
    public async Task Lets_a_canceled_read_throw()
    {
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();
        var body = CompletedEventBody();

        await Should.ThrowAsync<OperationCanceledException>(() =>
            Parser().TryParseAsync(new MemoryStream(body), Header(body), canceled.Token));
    }

    [Test]
    public void Refuses_null_arguments_as_programming_errors()
    {
        Should.Throw<ArgumentNullException>(() => Parser().Parse((string)null!, "t=1,v1=0"));
        Should.Throw<ArgumentNullException>(() => Parser().TryParse((string)null!, "t=1,v1=0", out _, out _));
        Should.Throw<ArgumentNullException>(() => Parser().TryParseAsync(null!, "t=1,v1=0"));
    }

    [TestCase("", TestName = "Refuses_an_empty_signed_body_as_malformed_JSON")]
    [TestCase("{", TestName = "Refuses_a_truncated_signed_body_as_malformed_JSON")]
    [TestCase("{\"id\":\"evt_1\",", TestName = "Refuses_a_body_cut_after_a_comma_as_malformed_JSON")]
    [TestCase("{\"id\":\"evt_1\"} trailing", TestName = "Refuses_content_after_the_event_as_malformed_JSON")]
    [TestCase("{\"id\":\"evt_1\"}{}", TestName = "Refuses_two_JSON_values_as_malformed_JSON")]
    [TestCase("{\"id\":\"evt_1\",}", TestName = "Refuses_a_trailing_comma_as_malformed_JSON")]
    [TestCase("{/* c */\"id\":\"evt_1\"}", TestName = "Refuses_a_comment_as_malformed_JSON")]
    [TestCase("{'id':'evt_1'}", TestName = "Refuses_single_quotes_as_malformed_JSON")]
    [TestCase("{\"id\":\"evt\\x\"}", TestName = "Refuses_a_bad_escape_as_malformed_JSON")]
    [TestCase("{\"id\":\"evt\\ud800\",\"object\":\"event\"}", TestName = "Refuses_an_escaped_lone_surrogate_as_malformed_JSON")]
    [TestCase("{\"id\":01}", TestName = "Refuses_a_number_with_a_leading_zero_as_malformed_JSON")]
    [TestCase("\uFEFF{}", TestName = "Refuses_a_byte_order_mark_as_malformed_JSON")]
    public void Refuses_a_signed_body_that_is_not_well_formed_JSON(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.MalformedJson);
    }

    [TestCase(new byte[] { 0xFF, 0xFE, 0x00 }, TestName = "Refuses_random_bytes_as_malformed_JSON")]
    [TestCase(new byte[] { (byte)'"', 0xC3, (byte)'"' }, TestName = "Refuses_a_truncated_UTF_8_sequence_as_malformed_JSON")]
    [TestCase(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)'}' }, TestName = "Refuses_an_encoded_surrogate_as_malformed_JSON")]
    public void Refuses_a_signed_body_that_is_not_UTF_8(byte[] body)
    {
        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.MalformedJson);
    }

    [TestCase(63, PaymentLinkWebhookRejection.NotAnEvent)]
    [TestCase(65, PaymentLinkWebhookRejection.MalformedJson)]
    [TestCase(100_000, PaymentLinkWebhookRejection.MalformedJson)]
    public void Refuses_deep_nesting_past_64_levels(int depth, PaymentLinkWebhookRejection expected)
    {
        var body = Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(expected);
    }

    [Test]
    public void Accepts_deep_nesting_inside_a_field_it_skips_up_to_the_limit()
    {
        var json = Encoding.UTF8.GetString(CompletedEventBody());
        var nested = new string('[', 60) + new string(']', 60);
        var body = Encoding.UTF8.GetBytes(json.Replace("\"pending_webhooks\": 1", $"\"pending_webhooks\": {nested}", StringComparison.Ordinal));

        EveryEntryPoint.Event(Parser(), body, Header(body)).EventId.ShouldBe(EventId);
    }

    [TestCase("\"id\": \"evt_1QxYzAB7WZ01zgkW3cT9pL2m\"", "\"id\": \"evt_other\", \"id\": \"evt_1QxYzAB7WZ01zgkW3cT9pL2m\"")]
    [TestCase("\"type\": \"checkout.session.completed\"", "\"type\": \"checkout.session.completed\", \"type\": \"payment_link.updated\"")]
    [TestCase("\"client_reference_id\": \"order_8472-b\"", "\"client_reference_id\": \"order_8472-b\", \"client_reference_id\": \"order_0001\"")]
    [TestCase("\"payment_status\": \"paid\"", "\"payment_status\": \"unpaid\", \"payment_status\": \"paid\"")]
    [TestCase("\"metadata\": {}", "\"metadata\": {\"k\": \"a\", \"k\": \"b\"}")]
    [TestCase("\"email\": \"jenny.rosen@example.com\"", "\"email\": \"jenny.rosen@example.com\", \"email\": \"mallory@example.com\"")]
    public void Refuses_a_repeated_field_it_reads_as_malformed_JSON(string field, string repeated)
    {
        var json = Encoding.UTF8.GetString(CompletedEventBody());
        json.ShouldContain(field);
        var body = Encoding.UTF8.GetBytes(ReplaceFirst(json, field, repeated));

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.MalformedJson);
    }

    [Test]
    public void Reads_a_field_whose_name_is_written_with_escapes()
    {
        var json = Encoding.UTF8.GetString(CompletedEventBody());
        var body = Encoding.UTF8.GetBytes(json.Replace("\"client_reference_id\"", "\"client_reference_\\u0069d\"", StringComparison.Ordinal));
        Encoding.UTF8.GetString(body).ShouldContain("client_reference_\\u0069d");

        EveryEntryPoint.Event(Parser(), body, Header(body)).Checkout!.ClientReferenceId.ShouldBe(ClientReferenceId);
    }

    [Test]
    public void Refuses_a_field_repeated_under_an_escaped_name_as_malformed_JSON()
    {
        var json = Encoding.UTF8.GetString(CompletedEventBody());
        var body = Encoding.UTF8.GetBytes(json.Replace("\"payment_status\": \"paid\"", "\"payment_status\": \"paid\", \"payment_\\u0073tatus\": \"unpaid\"", StringComparison.Ordinal));

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.MalformedJson);
    }

    [Test]
    public void Accepts_a_repeated_field_it_does_not_read()
    {
        var json = Encoding.UTF8.GetString(CompletedEventBody());
        var body = Encoding.UTF8.GetBytes(json.Replace("\"pending_webhooks\": 1", "\"pending_webhooks\": 1, \"pending_webhooks\": 2", StringComparison.Ordinal));

        EveryEntryPoint.Event(Parser(), body, Header(body)).EventId.ShouldBe(EventId);
    }

    [TestCase("[]")]
    [TestCase("\"event\"")]
    [TestCase("42")]
    [TestCase("null")]
    [TestCase("{}")]
    [TestCase("{\"object\":\"event\"}")]
    public void Refuses_signed_JSON_that_is_not_an_event(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.NotAnEvent);
    }

    [TestCase("\"id\": \"evt_1QxYzAB7WZ01zgkW3cT9pL2m\"", "\"id\": null")]
    [TestCase("\"id\": \"evt_1QxYzAB7WZ01zgkW3cT9pL2m\"", "\"id\": \"\"")]
    [TestCase("\"id\": \"evt_1QxYzAB7WZ01zgkW3cT9pL2m\"", "\"id\": 17")]
    [TestCase("\"object\": \"event\"", "\"object\": \"v2.core.event\"")]
    [TestCase("\"object\": \"event\"", "\"object\": [\"event\"]")]
    [TestCase("\"type\": \"checkout.session.completed\"", "\"type\": null")]
    [TestCase("\"type\": \"checkout.session.completed\"", "\"type\": {\"name\": \"checkout.session.completed\"}")]
    [TestCase("\"created\": {created}", "\"created\": \"x\"")]
    [TestCase("\"created\": {created}", "\"created\": 1e400")]
    [TestCase("\"created\": {created}", "\"created\": 1764000000.5")]
    [TestCase("\"created\": {created}", "\"created\": 99999999999999999999999")]
    [TestCase("\"created\": {created}", "\"created\": 253402300800")]
    [TestCase("\"created\": {created}", "\"created\": null")]
    [TestCase("\"data\": {", "\"data\": {\"object\": null}, \"ignored\": {")]
    [TestCase("\"amount_total\": 4200", "\"amount_total\": 1e400")]
    [TestCase("\"amount_total\": 4200", "\"amount_total\": 42.5")]
    [TestCase("\"amount_total\": 4200", "\"amount_total\": 9223372036854775808")]
    [TestCase("\"amount_total\": 4200", "\"amount_total\": \"4200\"")]
    [TestCase("\"client_reference_id\": \"order_8472-b\"", "\"client_reference_id\": 8472")]
    [TestCase("\"client_reference_id\": \"order_8472-b\"", "\"client_reference_id\": [\"order_8472-b\"]")]
    [TestCase("\"payment_link\": \"plink_1Pgc78B7WZ01zgkWC75kX0jg\"", "\"payment_link\": {\"id\": \"plink_1\"}")]
    [TestCase("\"payment_status\": \"paid\"", "\"payment_status\": true")]
    [TestCase("\"metadata\": {}", "\"metadata\": {\"k\": 1}")]
    [TestCase("\"metadata\": {}", "\"metadata\": []")]
    [TestCase("\"customer_details\": {", "\"customer_details\": \"x\", \"ignored\": {")]
    [TestCase("\"email\": \"jenny.rosen@example.com\"", "\"email\": {}")]
    [TestCase("\"id\": \"cs_test_", "\"id\": null, \"ignored\": \"cs_test_")]
    [TestCase("\"object\": \"checkout.session\"", "\"object\": \"payment_link\"")]
    public void Refuses_a_signed_event_with_a_field_of_the_wrong_type(string field, string replacement)
    {
        var created = (NowSeconds - 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        field = field.Replace("{created}", created, StringComparison.Ordinal);
        var json = Encoding.UTF8.GetString(CompletedEventBody());
        json.ShouldContain(field);
        var body = Encoding.UTF8.GetBytes(ReplaceFirst(json, field, replacement));

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.NotAnEvent);
    }

    [TestCase("\"false\"")]
    [TestCase("0")]
    [TestCase("null")]
    [TestCase("[]")]
    public void Refuses_a_signed_event_whose_livemode_is_not_a_boolean(string livemode)
    {
        var envelope = Envelope("checkout.session.completed", CompletedSession());
        envelope["livemode"] = System.Text.Json.Nodes.JsonNode.Parse(livemode);
        var body = SignedWebhooks.Body(envelope);

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.NotAnEvent);
    }

    [TestCase("\"id\"")]
    [TestCase("\"object\"")]
    [TestCase("\"type\"")]
    [TestCase("\"created\"")]
    [TestCase("\"livemode\"")]
    [TestCase("\"data\"")]
    public void Refuses_a_signed_event_missing_a_required_field(string name)
    {
        var envelope = Envelope("checkout.session.completed", CompletedSession());
        envelope.Remove(name.Trim('"')).ShouldBeTrue();
        var body = SignedWebhooks.Body(envelope);

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.NotAnEvent);
    }

    [Test]
    public void Accepts_an_ignored_event_whose_object_has_fields_of_other_types()
    {
        var body = """{"id":"evt_2","object":"event","type":"customer.updated","created":1764000000,"livemode":false,"data":{"object":{"object":"customer","id":17,"status":{"a":1},"metadata":{"n":1},"amount_total":"x"}}}"""u8.ToArray();

        var paymentLinkEvent = EveryEntryPoint.Event(Parser(Clock(DateTimeOffset.FromUnixTimeSeconds(NowSeconds))), body, Header(body));

        paymentLinkEvent.Kind.ShouldBe(PaymentLinkEventKind.Ignored);
        paymentLinkEvent.Checkout.ShouldBeNull();
    }

    private static string ReplaceFirst(string text, string oldValue, string newValue)
    {
        var at = text.IndexOf(oldValue, StringComparison.Ordinal);
        return string.Concat(text.AsSpan(0, at), newValue, text.AsSpan(at + oldValue.Length));
    }
}

/// <summary>Hands out a body a few bytes at a time, as a slow network does.</summary>
internal sealed class TricklingStream(byte[] content, int pieceLength) : MemoryStream(content)
{
    public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, pieceLength));

    public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, pieceLength)]);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        base.ReadAsync(buffer[..Math.Min(buffer.Length, pieceLength)], cancellationToken);
}
