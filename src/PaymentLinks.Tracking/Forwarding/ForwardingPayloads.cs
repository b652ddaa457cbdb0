using System.Text.Json.Serialization;

namespace PaymentLinks.Tracking;

// The destinations' request and response bodies, serialised by System.Text.Json's generated code.

/// <summary>A GA4 Measurement Protocol request: one user's events.</summary>
internal sealed class GoogleAnalyticsRequest
{
    [JsonPropertyName("client_id")]
    public required string ClientId { get; init; }

    [JsonPropertyName("timestamp_micros")]
    public long TimestampMicros { get; init; }

    [JsonPropertyName("consent")]
    public required GoogleAnalyticsConsent Consent { get; init; }

    [JsonPropertyName("user_data")]
    public GoogleAnalyticsUserData? UserData { get; init; }

    [JsonPropertyName("events")]
    public required IReadOnlyList<GoogleAnalyticsEvent> Events { get; init; }
}

internal sealed class GoogleAnalyticsConsent
{
    [JsonPropertyName("ad_user_data")]
    public required string AdUserData { get; init; }

    [JsonPropertyName("ad_personalization")]
    public required string AdPersonalization { get; init; }
}

internal sealed class GoogleAnalyticsUserData
{
    [JsonPropertyName("sha256_email_address")]
    public required IReadOnlyList<string> Sha256EmailAddress { get; init; }
}

internal sealed class GoogleAnalyticsEvent
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("params")]
    public required GoogleAnalyticsEventParams Params { get; init; }
}

internal sealed class GoogleAnalyticsEventParams
{
    [JsonPropertyName("transaction_id")]
    public required string TransactionId { get; init; }

    [JsonPropertyName("value")]
    public decimal Value { get; init; }

    [JsonPropertyName("currency")]
    public required string Currency { get; init; }

    [JsonPropertyName("tax")]
    public decimal Tax { get; init; }

    [JsonPropertyName("shipping")]
    public decimal Shipping { get; init; }

    [JsonPropertyName("items")]
    public IReadOnlyList<GoogleAnalyticsItem>? Items { get; init; }
}

internal sealed class GoogleAnalyticsItem
{
    [JsonPropertyName("item_id")]
    public required string ItemId { get; init; }

    [JsonPropertyName("item_name")]
    public required string ItemName { get; init; }

    [JsonPropertyName("price")]
    public decimal Price { get; init; }

    [JsonPropertyName("quantity")]
    public int Quantity { get; init; }
}

/// <summary>What <c>/debug/mp/collect</c> answers.</summary>
internal sealed class GoogleAnalyticsValidationResponse
{
    [JsonPropertyName("validationMessages")]
    public List<GoogleAnalyticsValidationMessage>? ValidationMessages { get; init; }
}

internal sealed class GoogleAnalyticsValidationMessage
{
    [JsonPropertyName("fieldPath")]
    public string? FieldPath { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    [JsonPropertyName("validationCode")]
    public string? ValidationCode { get; init; }
}

/// <summary>A Conversions API request: up to 1,000 events, the token in the body rather than the URL.</summary>
internal sealed class MetaRequest
{
    [JsonPropertyName("data")]
    public required IReadOnlyList<MetaEvent> Data { get; init; }

    [JsonPropertyName("access_token")]
    public required string AccessToken { get; init; }

    [JsonPropertyName("test_event_code")]
    public string? TestEventCode { get; init; }
}

internal sealed class MetaEvent
{
    [JsonPropertyName("event_name")]
    public required string EventName { get; init; }

    [JsonPropertyName("event_time")]
    public long EventTime { get; init; }

    [JsonPropertyName("event_id")]
    public required string EventId { get; init; }

    [JsonPropertyName("action_source")]
    public required string ActionSource { get; init; }

    [JsonPropertyName("event_source_url")]
    public string? EventSourceUrl { get; init; }

    [JsonPropertyName("user_data")]
    public required MetaUserData UserData { get; init; }

    [JsonPropertyName("custom_data")]
    public required MetaCustomData CustomData { get; init; }
}

internal sealed class MetaUserData
{
    [JsonPropertyName("em")]
    public IReadOnlyList<string>? Email { get; init; }

    [JsonPropertyName("client_ip_address")]
    public string? ClientIpAddress { get; init; }

    [JsonPropertyName("client_user_agent")]
    public string? ClientUserAgent { get; init; }

    [JsonPropertyName("fbp")]
    public string? Fbp { get; init; }

    [JsonPropertyName("fbc")]
    public string? Fbc { get; init; }
}

internal sealed class MetaCustomData
{
    [JsonPropertyName("value")]
    public decimal Value { get; init; }

    [JsonPropertyName("currency")]
    public required string Currency { get; init; }

    [JsonPropertyName("order_id")]
    public required string OrderId { get; init; }
}

/// <summary>Meta's answer, success or error.</summary>
internal sealed class MetaResponse
{
    [JsonPropertyName("events_received")]
    public int? EventsReceived { get; init; }

    [JsonPropertyName("error")]
    public MetaError? Error { get; init; }
}

internal sealed class MetaError
{
    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("type")]
    public string? Type { get; init; }

    [JsonPropertyName("code")]
    public int? Code { get; init; }

    [JsonPropertyName("error_subcode")]
    public int? ErrorSubcode { get; init; }

    [JsonPropertyName("is_transient")]
    public bool? IsTransient { get; init; }

    [JsonPropertyName("fbtrace_id")]
    public string? FbtraceId { get; init; }

    [JsonPropertyName("error_user_title")]
    public string? ErrorUserTitle { get; init; }

    [JsonPropertyName("error_user_msg")]
    public string? ErrorUserMessage { get; init; }

    /// <summary>Extra details, an object or a JSON string depending on the error.</summary>
    [JsonPropertyName("error_data")]
    public System.Text.Json.JsonElement? ErrorData { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GoogleAnalyticsRequest))]
[JsonSerializable(typeof(GoogleAnalyticsValidationResponse))]
[JsonSerializable(typeof(MetaRequest))]
[JsonSerializable(typeof(MetaResponse))]
[JsonSerializable(typeof(ConversionWebhookEvent))]
internal sealed partial class ForwardingJson : JsonSerializerContext;
