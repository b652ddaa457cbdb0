using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking.GoogleAds;

/// <summary>
/// Google Ads through Google's Data Manager API: each paid session goes to <c>{Endpoint}/v1/events:ingest</c> as an
/// offline click conversion of the configured conversion action, up to 2,000 a request, with the session's id as
/// <c>transactionId</c> (Google Ads counts one conversion per id), its value without tax and shipping, exactly one of
/// the click's <c>gclid</c>, <c>gbraid</c> or <c>wbraid</c> (in that preference), the buyer's hashed email under consent
/// and the consent fields. A conversion with no Google click id and no email under consent is withheld: Google Ads could
/// match it to no click. Registered with <c>services.AddGoogleAdsForwarding(...)</c>; written on the public
/// <see cref="IConversionDestination"/> as any destination of a merchant's own.
/// </summary>
/// <remarks>
/// Refunds are sent as the Data Manager API's conversion adjustments: the conversion again, with the same
/// <c>transactionId</c> and the same identifiers, whose <c>conversionValue</c> is what the transaction is worth after
/// the refund (<see cref="ConversionEvent.RemainingValue"/>): Google Ads restates the conversion's value without counting
/// another conversion. A refund that failed restates the value back. Its guide documents no retraction, so a full refund
/// restates the value to 0 and the conversion stays counted. A refund is sent only after its conversion was accepted,
/// and a transaction's refunds in the order they happened. Renewals (each invoice its own <c>transactionId</c>, with the
/// session's click ids) are sent when <see cref="GoogleAdsForwardingOptions.SendRenewals"/> is set.
/// </remarks>
public sealed partial class GoogleAdsDestination : IValidatingConversionDestination
{
    /// <summary>The most events one <c>events:ingest</c> request carries, as the Data Manager API documents.</summary>
    public const int MaxEventsPerRequest = 2000;

    private readonly GoogleAdsForwardingOptions options;
    private readonly Lazy<GoogleCredential> credential;

    /// <summary>Creates the destination from its validated options.</summary>
    /// <param name="options">The options, bound from <c>PaymentLinkTracking:Forwarding:GoogleAds</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public GoogleAdsDestination(IOptions<GoogleAdsForwardingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Value;
        Kinds = this.options.SendRenewals
            ? [ForwardingKind.Purchase, ForwardingKind.Renewal, ForwardingKind.Refund, ForwardingKind.RefundReversed]
            : [ForwardingKind.Purchase, ForwardingKind.Refund, ForwardingKind.RefundReversed];
        credential = new Lazy<GoogleCredential>(() => GoogleAdsCredential.Load(this.options), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Gets <c>google_ads</c>.</summary>
    public string Name => Destination.Name;

    private static ForwardingDestination Destination { get; } = ForwardingDestination.Named("google_ads");

    /// <summary>Gets 2,000: the Data Manager API's limit of events a request.</summary>
    public int MaxBatchSize => MaxEventsPerRequest;

    /// <summary>
    /// Gets 3 days after the conversion entered the outbox, as the webhook: the Data Manager API documents no age limit
    /// of its own; Google Ads attributes a conversion to a click within the conversion action's click-through window.
    /// </summary>
    public ConversionWindow Window { get; } = ConversionWindow.RetryFor(TimeSpan.FromDays(3));

    /// <summary>
    /// Gets purchases, refunds and failed refunds (both as restatements of the conversion's value), and renewals when
    /// <see cref="GoogleAdsForwardingOptions.SendRenewals"/> is set.
    /// </summary>
    public IReadOnlyCollection<ForwardingKind> Kinds { get; }

    /// <summary>Gets the service account's JSON key, when given inline.</summary>
    public IReadOnlyCollection<string> Secrets => string.IsNullOrEmpty(options.CredentialsJson) ? [] : [options.CredentialsJson];

    /// <summary>
    /// Tells why a conversion cannot be matched to an ad click: it has no Google click id (<c>gclid</c>, <c>gbraid</c>,
    /// <c>wbraid</c>) and no email may be sent (no consent recorded, or no email).
    /// </summary>
    /// <param name="conversion">The conversion.</param>
    /// <returns>The reason, or <see langword="null"/> when it can be sent.</returns>
    public string? WithheldBecause(ConversionEvent conversion)
    {
        ArgumentNullException.ThrowIfNull(conversion);
        if (conversion.Kind is ForwardingKind.Refund or ForwardingKind.RefundReversed && conversion.RemainingValueInMinorUnits is null)
        {
            return "Not sent to Google Ads: the ledger does not know what the transaction is worth after this refund (its conversion entered the outbox before the ledger kept it), so its value cannot be restated.";
        }

        if (ClickIdentifiers(conversion.Click) is not null || HashedEmail(conversion) is not null)
        {
            return null;
        }

        return conversion.ConsentGranted
            ? "Not sent to Google Ads: the session has no Google click id (gclid, gbraid or wbraid) and no email, so Google Ads could match it to no ad click."
            : "Not sent to Google Ads: the session has no Google click id (gclid, gbraid or wbraid) and the buyer's consent for their email is not recorded, so Google Ads could match it to no ad click.";
    }

    /// <summary>Sends the batch as one <c>events:ingest</c> request and reads Google's answer.</summary>
    /// <param name="batch">Up to 2,000 purchases.</param>
    /// <param name="client">The destination's client.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>
    /// Accepted; a retry for a 429, 5xx or an unreachable token endpoint; the named event refused when Google names one;
    /// otherwise refused (a token endpoint's redirect too: it is never followed).
    /// </returns>
    public Task<ConversionBatchResult> SendAsync(IReadOnlyList<ConversionEvent> batch, HttpClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(client);
        return SendAsync(batch, client, validateOnly: false, cancellationToken);
    }

    /// <summary>
    /// Sends a sample purchase (a made-up <c>gclid</c>) with <c>validateOnly: true</c>: Google checks the request, the
    /// credential, the accounts and the conversion action, and records nothing.
    /// </summary>
    /// <param name="client">The destination's client.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Google's verdict: accepted, or its errors.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> is <see langword="null"/>.</exception>
    public async Task<ForwardingValidation> ValidateAsync(HttpClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var sample = new ConversionEvent
        {
            SessionId = "cs_test_validation",
            TransactionId = "cs_test_validation",
            Kind = ForwardingKind.Purchase,
            OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-5),
            Amount = 100,
            Currency = "usd",
            Click = new ConversionClick { Gclid = "PaymentLinksTrackingValidation" },
        };
        try
        {
            var result = await SendAsync([sample], client, validateOnly: true, cancellationToken).ConfigureAwait(false);
            return result.Status == ConversionBatchStatus.Accepted
                ? new ForwardingValidation(Destination, true, ["Google's events:ingest accepted a sample purchase with validateOnly: true (nothing was recorded)."])
                : new ForwardingValidation(Destination, false, [result.Error ?? result.Status.ToString()]);
        }
        catch (HttpRequestException e)
        {
            return new ForwardingValidation(Destination, false, [Redact($"Google's events:ingest could not be reached: {e.Message}")]);
        }
    }

    private async Task<ConversionBatchResult> SendAsync(IReadOnlyList<ConversionEvent> batch, HttpClient client, bool validateOnly, CancellationToken cancellationToken)
    {
        string token;
        try
        {
            token = await ((ITokenAccess)credential.Value).GetAccessTokenForRequestAsync(null, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            return ConversionBatchResult.Refused(Redact($"Google Ads: the credential cannot be loaded: {e.Message}"));
        }
        catch (TokenRedirectException e)
        {
            // The credential's client follows no redirect (RedirectlessHttpClientFactory): the key's assertion went to
            // the configured token endpoint only, as the conversions go to the Endpoint only.
            return ConversionBatchResult.Refused(Redact($"{e.Message}: set TokenEndpoint (or the key's token_uri) to the address that answers."));
        }
        catch (TokenEndpointException e)
        {
            return e.StatusCode is { } status && ConversionBatchResult.IsTransient(status)
                ? ConversionBatchResult.Retry(e.Message + ".")
                : ConversionBatchResult.Refused(e.Message + ": check TokenEndpoint (or the key's token_uri).");
        }
        catch (TokenResponseException e)
        {
            var reason = Redact($"Google's token endpoint refused the credential ({(int?)e.StatusCode} {e.Error?.Error}: {e.Error?.ErrorDescription})");
            return e.StatusCode is { } status && ConversionBatchResult.IsTransient(status)
                ? ConversionBatchResult.Retry(reason)
                : ConversionBatchResult.Refused(reason + ": check the service account's key and its access to the Google Ads account.");
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(Request(batch, validateOnly), DataManagerJson.Default.IngestEventsRequest);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{options.Endpoint.AbsoluteUri.TrimEnd('/')}/v1/events:ingest")
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return Interpret(response.StatusCode, text, response.Headers.RetryAfter?.Delta);
    }

    /// <summary>The request for a batch: the configured destination, one event per conversion.</summary>
    internal IngestEventsRequest Request(IReadOnlyList<ConversionEvent> batch, bool validateOnly)
    {
        var events = batch.Select(Event).ToList();
        return new IngestEventsRequest
        {
            Destinations =
            [
                new DataManagerDestination
                {
                    OperatingAccount = new ProductAccount { AccountId = options.OperatingAccountId! },
                    LoginAccount = string.IsNullOrEmpty(options.LoginAccountId) ? null : new ProductAccount { AccountId = options.LoginAccountId },
                    ProductDestinationId = options.ConversionActionId!,
                },
            ],
            Events = events,
            ValidateOnly = validateOnly,
            Encoding = events.Any(e => e.UserData is not null) ? "HEX" : null,
        };
    }

    /// <summary>
    /// One conversion as a Data Manager event: its transaction (the session's id, or a renewal's invoice), when it was
    /// paid, its value without tax and shipping (for a refund or a failed refund, the transaction's value after it: an
    /// adjustment that restates the value), one click id, the hashed email and the consent.
    /// </summary>
    internal static DataManagerEvent Event(ConversionEvent conversion)
    {
        var email = HashedEmail(conversion);
        var consent = conversion.ConsentGranted ? DataManagerConsent.Granted : DataManagerConsent.Denied;
        return new DataManagerEvent
        {
            TransactionId = conversion.TransactionId,
            EventTimestamp = conversion.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ConversionValue = conversion.Kind is ForwardingKind.Refund or ForwardingKind.RefundReversed
                ? conversion.RemainingValue ?? 0
                : conversion.Value,
            Currency = conversion.CurrencyCode,
            AdIdentifiers = ClickIdentifiers(conversion.Click),
            UserData = email is null ? null : new UserData { UserIdentifiers = [new UserIdentifier { EmailAddress = email }] },
            Consent = new DataManagerConsent { AdUserData = consent, AdPersonalization = consent },
        };
    }

    /// <summary>
    /// Exactly one of the click's ids, <c>gclid</c> first, then <c>gbraid</c>, then <c>wbraid</c>: Google refuses a
    /// conversion that carries two.
    /// </summary>
    internal static AdIdentifiers? ClickIdentifiers(ConversionClick? click) => click switch
    {
        { Gclid: { } gclid } when !string.IsNullOrWhiteSpace(gclid) => new AdIdentifiers { Gclid = gclid.Trim() },
        { Gbraid: { } gbraid } when !string.IsNullOrWhiteSpace(gbraid) => new AdIdentifiers { Gbraid = gbraid.Trim() },
        { Wbraid: { } wbraid } when !string.IsNullOrWhiteSpace(wbraid) => new AdIdentifiers { Wbraid = wbraid.Trim() },
        _ => null,
    };

    /// <summary>The email normalised as the Data Manager API documents and hashed, under consent only.</summary>
    internal static string? HashedEmail(ConversionEvent conversion) =>
        conversion.ConsentGranted && !string.IsNullOrWhiteSpace(conversion.Email)
            ? ConversionHashing.Sha256Hex(NormalizeEmail(conversion.Email))
            : null;

    /// <summary>
    /// The Data Manager API's email normalisation: white space removed (leading, trailing and within), lower case; for a
    /// gmail.com or googlemail.com address, the local part's dots removed and a <c>+</c> with everything after it.
    /// </summary>
    internal static string NormalizeEmail(string email)
    {
        var normal = WhiteSpace().Replace(email, string.Empty).ToLowerInvariant();
        var at = normal.LastIndexOf('@');
        if (at > 0 && normal[(at + 1)..] is "gmail.com" or "googlemail.com")
        {
            var local = normal[..at];
            var plus = local.IndexOf('+', StringComparison.Ordinal);
            if (plus >= 0)
            {
                local = local[..plus];
            }

            normal = local.Replace(".", string.Empty, StringComparison.Ordinal) + normal[at..];
        }

        return normal;
    }

    /// <summary>
    /// What Google's answer means. Its errors are google.rpc.Status bodies; the whole request fails on the first error
    /// (the Data Manager API's fast-fail model), so an event named in a field violation (<c>events[3]...</c>) is refused
    /// alone and the others are sent again without it.
    /// </summary>
    internal ConversionBatchResult Interpret(HttpStatusCode status, string body, TimeSpan? retryAfter)
    {
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            return ConversionBatchResult.Accepted;
        }

        GoogleStatus? error = null;
        try
        {
            error = JsonSerializer.Deserialize(body, DataManagerJson.Default.GoogleErrorBody)?.Error;
        }
        catch (JsonException)
        {
            // Not Google's error shape (a proxy's page): the status decides.
        }

        if (error is null)
        {
            var plain = ConversionBatchResult.FromStatus(status, Redact(body), retryAfter);
            return plain.Status == ConversionBatchStatus.Retry
                ? ConversionBatchResult.Retry($"Google Ads answered {plain.Error}", retryAfter)
                : ConversionBatchResult.Refused($"Google Ads answered {plain.Error}");
        }

        var details = error.Details ?? [];
        var violations = details.SelectMany(d => d.FieldViolations ?? []).ToList();
        var reasons = details.Select(d => d.Reason).Where(r => !string.IsNullOrEmpty(r)).Distinct().ToList();
        var requestId = details.Select(d => d.RequestId).FirstOrDefault(r => !string.IsNullOrEmpty(r));
        var message = $"Google Ads answered {code} {error.Status}: {error.Message}"
            + string.Concat(violations.Select(v => $"; {v.Field}: {v.Description}{(string.IsNullOrEmpty(v.Reason) ? string.Empty : $" ({v.Reason})")}"))
            + (reasons.Count == 0 ? string.Empty : $" [{string.Join(", ", reasons)}]")
            + (requestId is null ? string.Empty : $" (requestId {requestId})");
        message = Redact(message);

        if (ConversionBatchResult.IsTransient(status) || error.Status is "RESOURCE_EXHAUSTED" or "UNAVAILABLE" or "DEADLINE_EXCEEDED" or "INTERNAL" or "ABORTED")
        {
            return ConversionBatchResult.Retry(message, retryAfter);
        }

        var eventIndexes = violations.Select(v => EventIndex(v.Field)).Where(i => i is not null).Distinct().ToList();
        if (status == HttpStatusCode.BadRequest && eventIndexes.Count > 0)
        {
            return ConversionBatchResult.EventRefused(message, eventIndexes[0]);
        }

        return ConversionBatchResult.Refused(message);
    }

    private static int? EventIndex(string? field)
    {
        var match = field is null ? Match.Empty : EventPath().Match(field);
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    private string Redact(string text)
    {
        foreach (var secret in Secrets)
        {
            text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
        }

        return text;
    }

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhiteSpace();

    [GeneratedRegex(@"(?:^|\.)events\[([0-9]{1,4})\]", RegexOptions.CultureInvariant)]
    private static partial Regex EventPath();
}
