using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Stripe;

namespace PaymentLinks.Tracking;

/// <summary>
/// Lists the events the ledger records (<see cref="EventTypes"/>) that Stripe created since a point in time, from Stripe's Events API
/// (<c>GET /v1/events</c>), oldest first, each read exactly as a webhook's payload is read: for catching up on
/// events a webhook endpoint missed.
/// </summary>
/// <remarks>
/// <para>
/// Stripe lists events newest first. To hand them out oldest first, the listing first walks back through every page
/// to the oldest one (keeping one page at a time), then forward again page by page with <c>ending_before</c>, so events
/// created while it runs are listed too. Each page is asked for only when the caller has taken every event before it.
/// </para>
/// <para>
/// That order lets a caller record each event and then move a watermark to its <see cref="PaymentLinkEvent.Created"/>:
/// if the listing stops (Stripe unreachable, the process killed), everything before the watermark is recorded, and
/// the next run starts from the watermark. Several events share one second, so start the next run at the watermark
/// itself (Stripe's <c>created[gte]</c>), not after it, and record events idempotently by
/// <see cref="PaymentLinkEvent.EventId"/>.
/// </para>
/// <para>
/// Events of the types this library ignores (<see cref="PaymentLinkEventKind.Ignored"/>) are left out; Stripe does not
/// list them anyway, since the request names <see cref="EventTypes"/>. Stripe.net's own retries (its
/// <c>MaxNetworkRetries</c>, which follow Stripe's <c>Stripe-Should-Retry</c>) happen before an error reaches the caller.
/// The instance is thread-safe; each listing is independent.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var catchUp = new PaymentLinkEventCatchUp(new StripeClient(restrictedKey), timeProvider);
/// await foreach (var stripeEvent in catchUp.ListAsync(watermark, cancellationToken))
/// {
///     await ledger.RecordAsync(stripeEvent, cancellationToken);
///     watermark = stripeEvent.Created;
/// }
/// </code>
/// </example>
public sealed class PaymentLinkEventCatchUp
{
    private const string Path = "/v1/events";
    private const string Listing = "Stripe did not list the events";

    private readonly IStripeClient _client;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the listing on a Stripe client.</summary>
    /// <param name="client">
    /// The client: its API key, API base and retry policy are used as they are. A restricted key needs Events: read.
    /// </param>
    /// <param name="timeProvider">The clock Stripe's 30 days are counted on; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> is <see langword="null"/>.</exception>
    [RequiresUnreferencedCode(StripeNetTrimming.Message)]
    [RequiresDynamicCode(StripeNetTrimming.Message)]
    public PaymentLinkEventCatchUp(IStripeClient client, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets how long Stripe keeps events: 30 days. A listing cannot start earlier than that.</summary>
    public static TimeSpan EventRetention { get; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Gets the event types listed: <c>checkout.session.completed</c>, <c>checkout.session.async_payment_succeeded</c>,
    /// <c>checkout.session.async_payment_failed</c>, <c>checkout.session.expired</c>, <c>charge.refunded</c>,
    /// <c>charge.refund.updated</c>, <c>charge.dispute.created</c>, <c>charge.dispute.closed</c>, <c>invoice.paid</c>
    /// and <c>invoice_payment.paid</c>: every kind the ledger records.
    /// </summary>
    public static IReadOnlyList<string> EventTypes { get; } = Array.AsReadOnly(
    [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
        "charge.refunded",
        "charge.refund.updated",
        "charge.dispute.created",
        "charge.dispute.closed",
        "invoice.paid",
        "invoice_payment.paid",
    ]);

    /// <summary>The most events Stripe returns in one page, and what each request asks for (1 to 100).</summary>
    internal int PageSize { get; init; } = 100;

    /// <summary>Lists the events Stripe created at or after <paramref name="since"/>, oldest first.</summary>
    /// <param name="since">The earliest creation time to list; at most <see cref="EventRetention"/> ago.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>
    /// The events, oldest first. Enumerating sends the requests; each page is fetched when the caller reaches it.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="since"/> is more than 30 days ago: Stripe no longer has those events. Thrown by this call,
    /// before any request.
    /// </exception>
    /// <exception cref="StripeRequestException">
    /// Thrown while enumerating: Stripe refused a request (e.g. 401 for a wrong key), could not be reached, broke off
    /// its answer, or listed something that is not an event. The message names no key and copies no answer.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public IAsyncEnumerable<PaymentLinkEvent> ListAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        EnsureWithinRetention(since);
        return ListOldestFirstAsync(since, cancellationToken);
    }

    private void EnsureWithinRetention(DateTimeOffset since)
    {
        var now = _timeProvider.GetUtcNow();
        var earliest = now - EventRetention;
        if (since < earliest)
        {
            throw new ArgumentOutOfRangeException(
                nameof(since),
                since,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Stripe keeps events for 30 days: a catch-up can start at {earliest:u} at the earliest (it is {now:u}), not at {since.ToUniversalTime():u}. Events before that are gone from Stripe's Events API."));
        }
    }

    private async IAsyncEnumerable<PaymentLinkEvent> ListOldestFirstAsync(
        DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in EntriesAsync(since, onPage: null, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Refused is { } refused)
            {
                throw new StripeRequestException($"{Listing}: event {refused.EventId} cannot be read as an event ({refused.Reason}).");
            }

            yield return entry.Event!;
        }
    }

    /// <summary>
    /// Lists as <see cref="ListAsync"/> does, but hands an event that cannot be read out as refused instead of stopping,
    /// and calls <paramref name="onPage"/> after each page Stripe answered (to renew a lease while a long walk runs).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="since"/> is more than 30 days ago; thrown by this call.</exception>
    /// <exception cref="StripeRequestException">Also when a page brings no event not listed before: Stripe's list did not advance.</exception>
    internal IAsyncEnumerable<ListedCatchUpEvent> ListEntriesAsync(
        DateTimeOffset since, Func<CancellationToken, Task>? onPage, CancellationToken cancellationToken)
    {
        EnsureWithinRetention(since);
        return EntriesAsync(since, onPage, cancellationToken);
    }

    private async IAsyncEnumerable<ListedCatchUpEvent> EntriesAsync(
        DateTimeOffset since, Func<CancellationToken, Task>? onPage, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Back to the oldest page, newest first as Stripe lists them. Each page must bring an event not seen on the way:
        // a server that ignores the cursor and answers the same page again would otherwise be asked forever.
        var page = await FetchAsync(since, startingAfter: null, endingBefore: null, cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<string>(page.Events.Select(listed => listed.Id), StringComparer.Ordinal);
        await PageDoneAsync(onPage, cancellationToken).ConfigureAwait(false);
        while (page.HasMore && page.Events.Count > 0)
        {
            var cursor = page.Events[^1].Id;
            page = await FetchAsync(since, cursor, endingBefore: null, cancellationToken).ConfigureAwait(false);
            EnsureAdvanced(page, page.Events.Count(listed => seen.Add(listed.Id)), "starting_after", cursor);
            await PageDoneAsync(onPage, cancellationToken).ConfigureAwait(false);
        }

        // Then forward: each page holds the events just newer than the last one handed out, still newest first, and
        // its has_more says whether newer ones follow.
        var forward = false;
        var handedOut = new HashSet<string>(StringComparer.Ordinal);
        while (page.Events.Count > 0)
        {
            for (var i = page.Events.Count - 1; i >= 0; i--)
            {
                var listed = page.Events[i];
                if (!handedOut.Add(listed.Id))
                {
                    continue;
                }

                var rejection = PaymentLinkEventReader.Read(Encoding.UTF8.GetBytes(listed.Json), listed.Json, out var paymentLinkEvent);
                if (rejection != PaymentLinkWebhookRejection.None)
                {
                    yield return new ListedCatchUpEvent(null, RefusedCatchUpEvent.From(listed.Id, listed.Json, rejection.ToString()));
                }
                else if (paymentLinkEvent!.Kind != PaymentLinkEventKind.Ignored)
                {
                    yield return new ListedCatchUpEvent(paymentLinkEvent, null);
                }
            }

            if (forward && !page.HasMore)
            {
                break;
            }

            var cursor = page.Events[0].Id;
            page = await FetchAsync(since, startingAfter: null, endingBefore: cursor, cancellationToken).ConfigureAwait(false);
            EnsureAdvanced(page, page.Events.Count(listed => !handedOut.Contains(listed.Id)), "ending_before", cursor);
            await PageDoneAsync(onPage, cancellationToken).ConfigureAwait(false);
            forward = true;
        }
    }

    // Marks the page's span failed, with the exception's type only, and lets the exception go on.
    private static bool SetError(System.Diagnostics.Activity activity, Exception exception)
    {
        activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, exception.GetType().FullName);
        return false;
    }

    private static Task PageDoneAsync(Func<CancellationToken, Task>? onPage, CancellationToken cancellationToken) =>
        onPage is null ? Task.CompletedTask : onPage(cancellationToken);

    /// <summary>A page with events of which <paramref name="brought"/> (none) are new is an error.</summary>
    private static void EnsureAdvanced(EventPage page, int brought, string direction, string cursor)
    {
        if (page.Events.Count > 0 && brought == 0)
        {
            throw new StripeRequestException(
                $"{Listing}: the page after {direction}={cursor} brought no event not listed before. The list does not advance; the listing stops rather than ask again.");
        }
    }

    private async Task<EventPage> FetchAsync(
        DateTimeOffset since, string? startingAfter, string? endingBefore, CancellationToken cancellationToken)
    {
        var options = new EventListOptions
        {
            Types = [.. EventTypes],
            Created = new DateRangeOptions { GreaterThanOrEqual = since.UtcDateTime },
            Limit = PageSize,
            StartingAfter = startingAfter,
            EndingBefore = endingBefore,
        };

        using var activity = PaymentLinkTrackingDiagnostics.Source.StartActivity("paymentlinks.catch_up.page", System.Diagnostics.ActivityKind.Client);
        try
        {
            var body = await _client.RequestStreamingAsync(HttpMethod.Get, Path, options, requestOptions: null, cancellationToken)
                .ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
                var page = EventPage.From(json.RootElement)
                    ?? throw new StripeRequestException($"{Listing}: its answer to GET {Path} is not a list of events.");
                activity?.SetTag("paymentlinks.catch_up.events", page.Events.Count);
                return page;
            }
        }
        catch (Exception e) when (activity is not null && e is not OperationCanceledException && SetError(activity, e))
        {
            throw; // never reached: SetError returns false, so the catches below handle the exception
        }
        catch (StripeException e) when (e.StripeError is not null)
        {
            throw StripeRequestException.From(e, Listing, _client.ApiKey);
        }
        catch (StripeException e)
        {
            // Stripe.net's message would repeat an answer that is not Stripe's error shape: it stays out.
            var status = e.HttpStatusCode == 0
                ? "its answer was unusable"
                : string.Create(CultureInfo.InvariantCulture, $"it answered {(int)e.HttpStatusCode} without Stripe's error shape");
            throw new StripeRequestException($"{Listing}: {status}.");
        }
        catch (JsonException)
        {
            throw new StripeRequestException($"{Listing}: its answer to GET {Path} is not JSON.");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new StripeRequestException(
                $"{Listing}: Stripe could not be reached or broke off its answer ({SecretRedaction.Redact(e.Message, _client.ApiKey)})", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StripeRequestException($"{Listing}: Stripe did not answer in time.", e);
        }
    }

    /// <summary>An event as listed: its id, for the cursors, and its JSON as Stripe wrote it.</summary>
    internal readonly record struct ListedEvent(string Id, string Json);

    /// <summary>One page of Stripe's list, newest first.</summary>
    private sealed record EventPage(IReadOnlyList<ListedEvent> Events, bool HasMore)
    {
        public static EventPage? From(JsonElement list)
        {
            if (list.ValueKind != JsonValueKind.Object
                || !list.TryGetProperty("object", out var kind) || !kind.ValueEquals("list")
                || !list.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array
                || !list.TryGetProperty("has_more", out var hasMore) || hasMore.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return null;
            }

            var events = new List<ListedEvent>(data.GetArrayLength());
            foreach (var item in data.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                    || id.GetString() is not { Length: > 0 } eventId)
                {
                    return null;
                }

                events.Add(new ListedEvent(eventId, item.GetRawText()));
            }

            return new EventPage(events, hasMore.GetBoolean());
        }
    }
}
