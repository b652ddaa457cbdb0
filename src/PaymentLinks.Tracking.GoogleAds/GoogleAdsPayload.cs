using System.Text.Json.Serialization;

namespace PaymentLinks.Tracking.GoogleAds;

// The Data Manager API's events:ingest request and error body, field for field as its reference names them
// (IngestEventsRequest, Destination, ProductAccount, Event, AdIdentifiers, UserData, UserIdentifier, Consent;
// google.rpc.Status with BadRequest, ErrorInfo and RequestInfo details).

internal sealed class IngestEventsRequest
{
    [JsonPropertyName("destinations")]
    public required IReadOnlyList<DataManagerDestination> Destinations { get; init; }

    [JsonPropertyName("events")]
    public required IReadOnlyList<DataManagerEvent> Events { get; init; }

    [JsonPropertyName("validateOnly")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ValidateOnly { get; init; }

    /// <summary><c>HEX</c>: how the hashed user identifiers are encoded; required with user data.</summary>
    [JsonPropertyName("encoding")]
    public string? Encoding { get; init; }
}

internal sealed class DataManagerDestination
{
    [JsonPropertyName("operatingAccount")]
    public required ProductAccount OperatingAccount { get; init; }

    [JsonPropertyName("loginAccount")]
    public ProductAccount? LoginAccount { get; init; }

    /// <summary>The conversion action's id.</summary>
    [JsonPropertyName("productDestinationId")]
    public required string ProductDestinationId { get; init; }
}

internal sealed class ProductAccount
{
    [JsonPropertyName("accountType")]
    public string AccountType { get; init; } = "GOOGLE_ADS";

    [JsonPropertyName("accountId")]
    public required string AccountId { get; init; }
}

internal sealed class DataManagerEvent
{
    [JsonPropertyName("transactionId")]
    public required string TransactionId { get; init; }

    /// <summary>RFC 3339 in UTC, as a protobuf Timestamp is written in JSON.</summary>
    [JsonPropertyName("eventTimestamp")]
    public required string EventTimestamp { get; init; }

    [JsonPropertyName("conversionValue")]
    public decimal ConversionValue { get; init; }

    [JsonPropertyName("currency")]
    public required string Currency { get; init; }

    [JsonPropertyName("eventSource")]
    public string EventSource { get; init; } = "WEB";

    [JsonPropertyName("adIdentifiers")]
    public AdIdentifiers? AdIdentifiers { get; init; }

    [JsonPropertyName("userData")]
    public UserData? UserData { get; init; }

    [JsonPropertyName("consent")]
    public required DataManagerConsent Consent { get; init; }
}

/// <summary>At most one of the three is set: Google refuses a conversion with two.</summary>
internal sealed class AdIdentifiers
{
    [JsonPropertyName("gclid")]
    public string? Gclid { get; init; }

    [JsonPropertyName("gbraid")]
    public string? Gbraid { get; init; }

    [JsonPropertyName("wbraid")]
    public string? Wbraid { get; init; }
}

internal sealed class UserData
{
    [JsonPropertyName("userIdentifiers")]
    public required IReadOnlyList<UserIdentifier> UserIdentifiers { get; init; }
}

internal sealed class UserIdentifier
{
    /// <summary>SHA-256 of the normalised email, hex.</summary>
    [JsonPropertyName("emailAddress")]
    public string? EmailAddress { get; init; }
}

internal sealed class DataManagerConsent
{
    public const string Granted = "CONSENT_GRANTED";
    public const string Denied = "CONSENT_DENIED";

    [JsonPropertyName("adUserData")]
    public required string AdUserData { get; init; }

    [JsonPropertyName("adPersonalization")]
    public required string AdPersonalization { get; init; }
}

internal sealed class IngestEventsResponse
{
    [JsonPropertyName("requestId")]
    public string? RequestId { get; init; }
}

internal sealed class GoogleErrorBody
{
    [JsonPropertyName("error")]
    public GoogleStatus? Error { get; init; }
}

internal sealed class GoogleStatus
{
    /// <summary>The HTTP status.</summary>
    [JsonPropertyName("code")]
    public int Code { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    /// <summary>The canonical code: <c>INVALID_ARGUMENT</c>, <c>UNAUTHENTICATED</c>, <c>RESOURCE_EXHAUSTED</c>, ...</summary>
    [JsonPropertyName("status")]
    public string? Status { get; init; }

    [JsonPropertyName("details")]
    public IReadOnlyList<GoogleErrorDetail>? Details { get; init; }
}

/// <summary>One detail of a Google API error: a BadRequest (field violations), an ErrorInfo (reason) or a RequestInfo.</summary>
internal sealed class GoogleErrorDetail
{
    [JsonPropertyName("@type")]
    public string? Type { get; init; }

    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    [JsonPropertyName("requestId")]
    public string? RequestId { get; init; }

    [JsonPropertyName("fieldViolations")]
    public IReadOnlyList<GoogleFieldViolation>? FieldViolations { get; init; }
}

internal sealed class GoogleFieldViolation
{
    /// <summary>The field's path: <c>events[3].ad_identifiers.gclid</c>.</summary>
    [JsonPropertyName("field")]
    public string? Field { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    [JsonPropertyName("reason")]
    public string? Reason { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IngestEventsRequest))]
[JsonSerializable(typeof(IngestEventsResponse))]
[JsonSerializable(typeof(GoogleErrorBody))]
internal sealed partial class DataManagerJson : JsonSerializerContext;
