namespace PaymentLinks.Tracking;

/// <summary>
/// Creates the payment links configured in <see cref="PaymentLinkTrackingOptions.Links"/> by name, with
/// <see cref="PaymentLinkTrackingOptions.DefaultUtm"/> applied. Registered by <c>services.AddPaymentLinkTracking(...)</c>.
/// </summary>
/// <remarks>
/// Each configured URL is parsed once per version of the options and shared: <see cref="PaymentLinkUrl"/> is immutable,
/// so every <c>With...</c> a caller adds makes a new link. When the options change at run time (a reloaded
/// appsettings.json), the next call sees the new links and defaults. With
/// <see cref="PaymentLinkTrackingOptions.CampaignKeys"/> on, each link also carries its campaign key in
/// <c>client_reference_id</c>, registered in the ledger before the link is returned.
/// </remarks>
/// <example>
/// <code>
/// var url = links.Create("pro-monthly", link => link.WithClientReferenceId(order.Id)).ToString();
/// </code>
/// </example>
public interface IPaymentLinkUrlFactory
{
    /// <summary>Gets the names of the configured links.</summary>
    IReadOnlyCollection<string> LinkNames { get; }

    /// <summary>
    /// Gets a configured link, with each default UTM code applied that the configured URL does not set itself.
    /// </summary>
    /// <param name="linkName">The link's name in <see cref="PaymentLinkTrackingOptions.Links"/>; case does not matter.</param>
    /// <returns>The link.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="linkName"/> is <see langword="null"/>.</exception>
    /// <exception cref="KeyNotFoundException">No link has that name; the message lists the names there are.</exception>
    /// <exception cref="InvalidOperationException">
    /// <see cref="PaymentLinkTrackingOptions.CampaignKeys"/> is on and no ledger is registered.
    /// </exception>
    /// <exception cref="System.Data.Common.DbException">
    /// <see cref="PaymentLinkTrackingOptions.CampaignKeys"/> is on and the link's new campaign key could not be registered.
    /// </exception>
    PaymentLinkUrl Create(string linkName);

    /// <summary>
    /// Gets a configured link with the defaults applied, lets <paramref name="customize"/> add what is particular to this
    /// call (a <c>client_reference_id</c>, a campaign), and logs a warning for each value it set that Stripe would drop.
    /// </summary>
    /// <param name="linkName">The link's name in <see cref="PaymentLinkTrackingOptions.Links"/>; case does not matter.</param>
    /// <param name="customize">Builds the final link from the configured one, e.g. <c>link => link.WithUtmCampaign("spring")</c>.</param>
    /// <returns>The link <paramref name="customize"/> returned.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="linkName"/> or <paramref name="customize"/> is <see langword="null"/>.</exception>
    /// <exception cref="KeyNotFoundException">No link has that name; the message lists the names there are.</exception>
    /// <exception cref="InvalidOperationException">
    /// <paramref name="customize"/> returned <see langword="null"/>, or <see cref="PaymentLinkTrackingOptions.CampaignKeys"/>
    /// is on and no ledger is registered.
    /// </exception>
    /// <exception cref="System.Data.Common.DbException">
    /// <see cref="PaymentLinkTrackingOptions.CampaignKeys"/> is on and the link's new campaign key could not be registered.
    /// </exception>
    PaymentLinkUrl Create(string linkName, Func<PaymentLinkUrl, PaymentLinkUrl> customize);
}
