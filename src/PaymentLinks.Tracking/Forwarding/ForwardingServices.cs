using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PaymentLinks.Tracking;

/// <summary>
/// The validated forwarding options, the destinations they and <c>AddConversionDestination</c> turn on, and the plan
/// the ledger enqueues by.
/// </summary>
internal sealed class ForwardingServices
{
    public ForwardingServices(PaymentLinkForwardingOptions options, TimeProvider? timeProvider = null, IEnumerable<(IConversionDestination Destination, string HttpClientName)>? added = null)
    {
        Options = options;
        var clock = timeProvider ?? TimeProvider.System;
        var builtIn = new List<ConversionDestination>();
        if (options.GoogleAnalytics.IsConfigured)
        {
            builtIn.Add(new GoogleAnalyticsDestination(options.GoogleAnalytics, options.AssumeConsent, clock));
        }

        if (options.Meta.IsConfigured)
        {
            builtIn.Add(new MetaDestination(options.Meta, options.AssumeConsent, clock));
        }

        if (options.Webhook.IsConfigured)
        {
            builtIn.Add(new WebhookDestination(options.Webhook, options.AssumeConsent, clock));
        }

        BuiltIn = builtIn;
        var targets = builtIn.Select(destination => new ForwardingTarget(destination, $"PaymentLinks.Tracking.Forwarding.{destination.Destination.Name}", options.AssumeConsent, builtIn: true)).ToList();
        // TikTok is written on the public destination API, as a merchant's own destination would be.
        var all = new List<(IConversionDestination Destination, string HttpClientName)>();
        if (options.TikTok.IsConfigured)
        {
            all.Add((new TikTokDestination(options.TikTok), ForwardingHttpClients.TikTok));
        }

        foreach (var (destination, _) in added ?? [])
        {
            if (Reserved.Contains(destination.Name))
            {
                throw new InvalidOperationException(
                    $"The conversion destination {destination.GetType().FullName} is named '{destination.Name}', the name of a built-in destination: give it a name of its own.");
            }
        }

        all.AddRange(added ?? []);
        foreach (var (destination, httpClientName) in all)
        {
            var target = new ForwardingTarget(destination, httpClientName, options.AssumeConsent, builtIn: false);
            if (targets.Any(other => other.Id == target.Id))
            {
                throw new InvalidOperationException(
                    $"Two conversion destinations are named '{target.Id.Name}' ({destination.GetType().FullName} is the second): each needs a name of its own.");
            }

            targets.Add(target);
        }

        Destinations = targets;
        Plan = targets.Count == 0 ? null : new ForwardingPlan(targets.Select(target => target.Id).ToList(), options.IncludeTestMode, targets.ToDictionary(target => target.Id, target => target.Kinds));
    }

    /// <summary>The names of the destinations the library brings, whether configured or not.</summary>
    private static readonly HashSet<string> Reserved = [.. ForwardingDestination.BuiltIn.Select(d => d.Name), TikTokDestination.DestinationName];

    public PaymentLinkForwardingOptions Options { get; }

    /// <summary>The built-in destinations the options turn on, for the configuration's check.</summary>
    public IReadOnlyList<ConversionDestination> BuiltIn { get; }

    /// <summary>Every destination the worker sends to: the built-in ones, then those added, in the order added.</summary>
    public IReadOnlyList<ForwardingTarget> Destinations { get; }

    public ForwardingPlan? Plan { get; }
}

/// <summary>
/// A destination as the worker drives it: its stored name, its checked batch size, window and kinds, its named client,
/// and the conversions it is given, made from the outbox's rows.
/// </summary>
internal sealed class ForwardingTarget
{
    private readonly bool _builtIn;
    private readonly bool _assumeConsent;
    private readonly IReadOnlyCollection<string> _secrets;

    public ForwardingTarget(IConversionDestination destination, string httpClientName, bool assumeConsent, bool builtIn)
    {
        var type = destination.GetType().FullName;
        var name = destination.Name;
        if (!ForwardingDestination.IsValidName(name))
        {
            throw new InvalidOperationException(
                $"The conversion destination {type} is named '{name}': a name is 1 to {ForwardingDestination.MaxNameLength} lower-case letters, digits and '_'.");
        }

        if (destination.MaxBatchSize < 1)
        {
            throw new InvalidOperationException($"The conversion destination '{name}' has a MaxBatchSize of {destination.MaxBatchSize}: it needs at least 1.");
        }

        Window = destination.Window ?? throw new InvalidOperationException($"The conversion destination '{name}' has no Window.");
        Kinds = destination.Kinds?.Where(Enum.IsDefined).ToHashSet() ?? [];
        if (Kinds.Count == 0)
        {
            throw new InvalidOperationException($"The conversion destination '{name}' takes no kind of conversion: give it at least ForwardingKind.Purchase.");
        }

        Destination = destination;
        Id = ForwardingDestination.FromStored(name);
        HttpClientName = httpClientName;
        MaxEventsPerRequest = destination.MaxBatchSize;
        _secrets = destination.Secrets?.Where(secret => !string.IsNullOrEmpty(secret)).ToArray() ?? [];
        _assumeConsent = assumeConsent;
        _builtIn = builtIn;
    }

    public IConversionDestination Destination { get; }

    /// <summary>The stored name.</summary>
    public ForwardingDestination Id { get; }

    /// <summary>How messages name it.</summary>
    public string Name => Id.DisplayName;

    public string HttpClientName { get; }

    public int MaxEventsPerRequest { get; }

    public ConversionWindow Window { get; }

    public TimeSpan? MaxAge => Window.MaxAge;

    public TimeSpan RetryWindow => Window.RetryWindow;

    public IReadOnlySet<ForwardingKind> Kinds { get; }

    /// <summary>The last moment <paramref name="row"/> may be sent.</summary>
    public DateTimeOffset Deadline(OutboxRow row) => Window.Deadline(row.OccurredAt, row.EnqueuedAt);

    /// <summary>Why the destination withholds <paramref name="row"/>, redacted; <see langword="null"/> when it may be sent.</summary>
    public string? Unsendable(OutboxRow row) => Destination.WithheldBecause(Conversion(row)) is { Length: > 0 } reason ? Redact(reason) : null;

    /// <summary>
    /// <paramref name="text"/> without the destination's secrets, cut to a length a list shows; a destination's own error
    /// is prefixed with its name (the built-in ones name themselves).
    /// </summary>
    public string Redact(string text) => ConversionDestination.Redact(text, _secrets);

    /// <summary>What the destination's result means for the worker, its errors named and redacted.</summary>
    public DestinationAnswer Answer(ConversionBatchResult result) =>
        DestinationAnswer.From(result, error => Redact(_builtIn || error.StartsWith(Id.Name, StringComparison.Ordinal) ? error : $"{Id.Name}: {error}"));

    /// <summary>The conversion a destination is given for <paramref name="row"/>.</summary>
    public ConversionEvent Conversion(OutboxRow row) => ConversionEvents.From(row, _assumeConsent);
}

/// <summary>Makes the conversions destinations are given from the outbox's rows.</summary>
internal static class ConversionEvents
{
    public static ConversionEvent From(OutboxRow row, bool assumeConsent)
    {
        var consent = row.ConsentGranted(assumeConsent);
        return new ConversionEvent
        {
            SessionId = row.SessionId,
            TransactionId = row.TransactionId,
            Kind = row.Kind,
            Key = row.RefundKey,
            OccurredAt = row.OccurredAt,
            Livemode = row.Livemode,
            Amount = row.Amount ?? 0,
            AmountTax = row.AmountTax,
            AmountShipping = row.AmountShipping,
            Currency = row.Currency ?? string.Empty,
            PaymentLinkId = row.PaymentLinkId,
            ClientReferenceId = row.ClientReferenceId,
            RemainingValueInMinorUnits = row.Kind is ForwardingKind.Refund or ForwardingKind.RefundReversed ? row.RemainingValue : null,
            ConsentGranted = consent,
            Email = consent && !string.IsNullOrWhiteSpace(row.CustomerEmail) ? row.CustomerEmail : null,
            Visit = row.HasVisit
                ? new ConversionVisit
                {
                    PageUrl = row.PageUrl,
                    UserAgent = consent ? row.UserAgent : null,
                    IpAddress = consent ? row.ClientIp : null,
                    GoogleAnalyticsCookie = row.GoogleAnalyticsCookie,
                    Fbp = row.MetaBrowserCookie,
                    Fbc = row.MetaClickCookie,
                }
                : null,
            Click = row.Click is { } click
                ? new ConversionClick
                {
                    ClickedAt = click.ClickedAt,
                    Gclid = click.Gclid,
                    Gbraid = click.Gbraid,
                    Wbraid = click.Wbraid,
                    Fbclid = click.Fbclid,
                    Ttclid = click.Ttclid,
                    Msclkid = click.Msclkid,
                    LiFatId = click.LiFatId,
                    RdtCid = click.RdtCid,
                    GoogleAnalyticsCookie = click.GoogleAnalyticsCookie,
                    Fbp = click.Fbp,
                    Fbc = click.Fbc,
                    Ttp = click.Ttp,
                    LandingUrl = click.LandingUrl,
                    IpAddress = consent ? click.IpAddress : null,
                    UserAgent = consent ? click.UserAgent : null,
                }
                : null,
            Attempts = row.Attempts,
            Row = row,
        };
    }
}

/// <summary>
/// Binds <see cref="PaymentLinkForwardingOptions"/> with the configuration binder's generated code; a key that is no
/// option, or a value that does not convert, is kept for the validator so that start-up reports it.
/// </summary>
internal static class ForwardingConfiguration
{
    public static void Bind(IConfiguration section, PaymentLinkForwardingOptions options, IEnumerable<ClaimedForwardingSection> claimed)
    {
        // The sections destinations of their own claimed (Google Ads' GoogleAds, a merchant's Crm) are theirs to bind:
        // not unknown keys here. Any other section that is no option still is.
        var hidden = new HashSet<string>(claimed.Select(c => c.Name), StringComparer.OrdinalIgnoreCase);
        try
        {
            new WithoutSections(section, hidden).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // The binder may quote a value that does not convert; a secret pasted in the wrong place is not repeated.
            var message = SecretRedaction.Redact(e.Message, apiKey: null);
            foreach (var secret in new[] { options.GoogleAnalytics.ApiSecret, options.Meta.AccessToken, options.Webhook.Secret, options.TikTok.AccessToken })
            {
                if (!string.IsNullOrEmpty(secret))
                {
                    message = message.Replace(secret, SecretRedaction.Replacement, StringComparison.Ordinal);
                }
            }

            options.BindingFailures.Add(section is IConfigurationSection { Path: { Length: > 0 } path } ? $"{path}: {message}" : message);
        }
    }
}

/// <summary>A configuration without some of its child sections, for the binder's check of unknown keys.</summary>
internal sealed class WithoutSections(IConfiguration configuration, IReadOnlySet<string> hidden) : IConfiguration
{
    public string? this[string key]
    {
        get => configuration[key];
        set => configuration[key] = value;
    }

    public IEnumerable<IConfigurationSection> GetChildren() => configuration.GetChildren().Where(child => !hidden.Contains(child.Key));

    public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() => configuration.GetReloadToken();

    public IConfigurationSection GetSection(string key) => configuration.GetSection(key);
}
