using System.Globalization;

namespace PaymentLinks.Tracking;

/// <summary>
/// Settings for <see cref="PaymentLinkWebhookParser"/>: the endpoint's signing secrets and the limits a
/// request must meet. <see cref="PaymentLinkTrackingOptions"/> carries the same settings, checked by the same rules.
/// </summary>
/// <remarks>
/// The parser copies these values when it is constructed; changing the options afterwards does not
/// change a parser already built.
/// </remarks>
public sealed class PaymentLinkWebhookOptions
{
    // Five minutes, as in Stripe's own libraries.
    internal static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    // Stripe's events are a few KiB; the largest, with many line items, stay far below this.
    internal const int DefaultMaxPayloadBytes = 256 * 1024;

    /// <summary>
    /// Gets or sets the webhook endpoint's signing secrets (each starting with <c>whsec_</c>). A request is
    /// accepted when its signature matches any of them, so while a secret is being rolled both the old
    /// and the new secret can be listed.
    /// </summary>
    /// <value>An empty list: at least one secret must be added before a parser is built.</value>
    public IList<string> SigningSecrets { get; set; } = new List<string>();

    /// <summary>
    /// Gets or sets how far the signature's timestamp may be from the current time, in either direction,
    /// compared in whole seconds. Older requests are refused as possible replays.
    /// </summary>
    /// <value>The default value is 5 minutes. Zero or a negative value is refused.</value>
    public TimeSpan Tolerance { get; set; } = DefaultTolerance;

    /// <summary>
    /// Gets or sets the largest request body, in bytes, that the parser reads. A larger body is refused
    /// without being read past this limit.
    /// </summary>
    /// <value>The default value is 262,144 bytes (256 KiB). Zero or a negative value is refused.</value>
    public int MaxPayloadBytes { get; set; } = DefaultMaxPayloadBytes;

    /// <summary>Throws when an option is invalid or no signing secret is set; the message names each problem, never a secret.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    internal void ThrowIfInvalid(string paramName)
    {
        var failures = new List<string>();
        if (SigningSecrets is { Count: 0 })
        {
            failures.Add(
                $"{nameof(PaymentLinkWebhookOptions)}.{nameof(SigningSecrets)} must hold at least one signing secret "
                + $"({PaymentLinkRules.WebhookSigningSecretPrefix}...), from the webhook endpoint's settings.");
        }

        AddFailures(nameof(PaymentLinkWebhookOptions), failures);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), paramName);
        }
    }

    /// <summary>
    /// The rules of the webhook settings, for this type and for <see cref="PaymentLinkTrackingOptions"/>: adds one
    /// sentence a problem, naming the option as <paramref name="optionsName"/>.Option and never repeating a secret.
    /// </summary>
    internal void AddFailures(string optionsName, List<string> failures)
    {
        CheckSigningSecrets($"{optionsName}.{nameof(SigningSecrets)}", failures);
        if (Tolerance <= TimeSpan.Zero)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{optionsName}.{nameof(Tolerance)} must be positive; it is {Tolerance}."));
        }

        if (MaxPayloadBytes <= 0)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{optionsName}.{nameof(MaxPayloadBytes)} must be positive; it is {MaxPayloadBytes}."));
        }
    }

    private void CheckSigningSecrets(string option, List<string> failures)
    {
        const string Prefix = PaymentLinkRules.WebhookSigningSecretPrefix;
        if (SigningSecrets is null)
        {
            failures.Add($"{option} is null; leave it empty when the application receives no webhooks.");
            return;
        }

        // Say which entry is wrong and how, never what it holds: a misplaced API key must not reach a log.
        for (var i = 0; i < SigningSecrets.Count; i++)
        {
            var secret = SigningSecrets[i];
            var problem = string.IsNullOrWhiteSpace(secret) ? "is empty"
                : secret.AsSpan().Trim().Length != secret.Length ? "has leading or trailing white space, so no signature would ever match it"
                : PaymentLinkRules.GetStripeKeyKind(secret) switch
                {
                    StripeKeyKind.WebhookSigningSecret when secret.Length == Prefix.Length => $"holds only the \"{Prefix}\" prefix",
                    StripeKeyKind.WebhookSigningSecret when IsPlaceholder(secret)
                        => "is a placeholder, not the endpoint's signing secret: copy the secret from the webhook endpoint in the Dashboard, or from what `stripe listen` prints",
                    StripeKeyKind.WebhookSigningSecret => null,
                    StripeKeyKind.None => $"is not a webhook signing secret: it must start with \"{Prefix}\"",
                    _ => $"looks like an API key, not a webhook signing secret: it must start with \"{Prefix}\"",
                };
            if (problem is not null)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{option}[{i}] {problem}."));
            }
        }
    }

    // What documentation writes in place of a secret: "whsec_...", "whsec_placeholder_...". Stripe's secrets are
    // letters and digits after the prefix.
    private static bool IsPlaceholder(string secret) =>
        secret.Contains("...", StringComparison.Ordinal)
        || secret.Contains('\u2026', StringComparison.Ordinal)
        || secret.Contains("placeholder", StringComparison.OrdinalIgnoreCase);
}
