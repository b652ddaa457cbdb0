namespace PaymentLinks.Tracking;

/// <summary>
/// A destination that can check its configuration against the platform without recording anything (a validation
/// endpoint, a <c>validateOnly</c> flag): <see cref="IPaymentLinkForwarding.ValidateAsync"/> and the console's
/// <c>forwarding validate</c> call it. A destination without it is reported as added, unchecked.
/// </summary>
public interface IValidatingConversionDestination : IConversionDestination
{
    /// <summary>Checks the configuration, sending a sample conversion the platform does not record.</summary>
    /// <param name="client">The destination's own client (no redirect followed).</param>
    /// <param name="cancellationToken">Cancels the check; ends it at the forwarding's request timeout.</param>
    /// <returns>Whether the platform accepted it, and its messages (secrets are removed before they are shown).</returns>
    Task<ForwardingValidation> ValidateAsync(HttpClient client, CancellationToken cancellationToken);
}
