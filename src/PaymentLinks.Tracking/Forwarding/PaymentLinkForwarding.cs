using System.Net;
using System.Text.Json;

namespace PaymentLinks.Tracking;

/// <summary>The outbox's list, retries and the configuration's check, on the ledger.</summary>
internal sealed class PaymentLinkForwarding(
    DbPaymentLinkLedger ledger,
    IReadOnlyList<ConversionDestination> destinations,
    IReadOnlyList<ForwardingTarget> targets,
    IHttpClientFactory httpClients,
    TimeProvider timeProvider,
    TimeSpan requestTimeout)
    : IPaymentLinkForwarding
{
    public Task<IReadOnlyList<ForwardedConversion>> ListAsync(ForwardingState? state = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 10_000);
        return ledger.ListConversionsAsync(state, null, limit, cancellationToken);
    }

    public Task<int> RetryAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return ledger.RetryConversionsAsync(sessionId, cancellationToken);
    }

    public Task<int> RetryAllDeadAsync(CancellationToken cancellationToken = default) =>
        ledger.RetryConversionsAsync(null, cancellationToken);

    public async Task<IReadOnlyList<ForwardingValidation>> ValidateAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<ForwardingValidation>();
        foreach (var destination in destinations)
        {
            results.Add(destination switch
            {
                GoogleAnalyticsDestination ga => await ValidateGoogleAnalyticsAsync(ga, cancellationToken).ConfigureAwait(false),
                MetaDestination => new ForwardingValidation(
                    ForwardingDestination.Meta,
                    true,
                    ["The pixel id, access token and API version have the right shape. Meta has no validation endpoint: set TestEventCode to see the events under Test events."]),
                _ => new ForwardingValidation(
                    ForwardingDestination.Webhook,
                    true,
                    ["The URL and the secret have the right shape; the receiving side verifies with ConversionWebhookVerifier."]),
            });
        }

        foreach (var target in targets.Where(target => target.Destination is not ConversionDestination))
        {
            results.Add(await ValidateAddedAsync(target, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>A destination added with <c>AddConversionDestination</c>: its own check when it has one, its messages redacted.</summary>
    private async Task<ForwardingValidation> ValidateAddedAsync(ForwardingTarget target, CancellationToken cancellationToken)
    {
        if (target.Destination is TikTokDestination)
        {
            return new ForwardingValidation(target.Id, true, ["The pixel code and access token have the right shape. Set TestEventCode to see the events under Events Manager's Test events."]);
        }

        if (target.Destination is not IValidatingConversionDestination validating)
        {
            return new ForwardingValidation(target.Id, true, [$"Added with AddConversionDestination ({target.Destination.GetType().Name}); it has no check of its own."]);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(requestTimeout);
        try
        {
            var result = await validating.ValidateAsync(httpClients.CreateClient(target.HttpClientName), timeout.Token).ConfigureAwait(false);
            return new ForwardingValidation(target.Id, result.IsValid, result.Messages.Select(target.Redact).ToList());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ForwardingValidation(target.Id, false, [$"{target.Name} did not answer within {requestTimeout.TotalSeconds:0.#} seconds."]);
        }
        catch (ForwardingRedirectException exception)
        {
            return new ForwardingValidation(target.Id, false, [target.Redact(exception.Describe(target.Name))]);
        }
        catch (HttpRequestException exception)
        {
            return new ForwardingValidation(target.Id, false, [target.Redact($"{target.Name} could not be reached: {exception.Message}")]);
        }
    }

    private async Task<ForwardingValidation> ValidateGoogleAnalyticsAsync(GoogleAnalyticsDestination destination, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var sample = new OutboxRow
        {
            Id = 0,
            SessionId = "cs_test_validation",
            Destination = ForwardingDestination.GoogleAnalytics,
            Kind = ForwardingKind.Purchase,
            Amount = 100,
            Currency = "usd",
            OccurredAt = now,
            PaymentLinkId = "plink_validation",
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(requestTimeout);
        try
        {
            using var request = destination.CreateRequest(sample, "/debug/mp/collect");
            using var response = await httpClients.CreateClient(destination.HttpClientName).SendAsync(request, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new ForwardingValidation(ForwardingDestination.GoogleAnalytics, false, [destination.Answer(response, body, now).Error ?? body]);
            }

            var messages = JsonSerializer.Deserialize(body, ForwardingJson.Default.GoogleAnalyticsValidationResponse)?.ValidationMessages ?? [];
            return new ForwardingValidation(
                ForwardingDestination.GoogleAnalytics,
                messages.Count == 0,
                messages.Count == 0
                    ? ["GA4's /debug/mp/collect found no problem with a sample purchase."]
                    : messages.Select(m => destination.Redact($"{m.FieldPath}: {m.Description} ({m.ValidationCode})")).ToList());
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new ForwardingValidation(
                ForwardingDestination.GoogleAnalytics,
                false,
                [destination.Redact($"GA4's /debug/mp/collect could not be asked: {exception.Message}")]);
        }
    }
}
