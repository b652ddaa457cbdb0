namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>How <c>app.MapPaymentLinkAdmin(...)</c> answers the requests that change state.</summary>
public sealed class PaymentLinkAdminOptions
{
    /// <summary>
    /// Gets the origins (<c>https://admin.example.com</c>: scheme, host and port, no path) whose pages may send the
    /// admin API's <c>POST</c> requests from another origin, such as a browser-based admin tool hosted elsewhere. A
    /// request that changes state is refused (<c>403</c>) when its <c>Origin</c> is present and neither the request's
    /// own origin nor listed here, or when its <c>Sec-Fetch-Site</c> is <c>cross-site</c> or <c>same-site</c> and its
    /// <c>Origin</c> is not listed; that holds for local and for authorized requests alike. A listed origin still needs
    /// the browser's consent: add a CORS policy for it (<c>.RequireCors(...)</c>), since a JSON request is preflighted.
    /// </summary>
    /// <value>The default is empty: only pages of the admin API's own origin, and clients that are not browsers.</value>
    /// <example>
    /// <code>
    /// app.MapPaymentLinkAdmin("/admin", new PaymentLinkAdminOptions { AllowedOrigins = { "https://ops.example.com" } })
    ///     .RequireAuthorization("operators");
    /// </code>
    /// </example>
    public IList<string> AllowedOrigins { get; } = [];
}
