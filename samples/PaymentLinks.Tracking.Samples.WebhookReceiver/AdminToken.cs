using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking.Samples.WebhookReceiver;

/// <summary>
/// A bearer token from configuration (<c>Sample:AdminToken</c>) for the report and the admin API: a request with
/// <c>Authorization: Bearer &lt;token&gt;</c> is the operator; any other is anonymous, and answered 401.
/// </summary>
internal sealed class AdminToken(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Name = "Bearer";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var expected = Encoding.UTF8.GetBytes($"Bearer {configuration["Sample:AdminToken"]}");
        var given = Encoding.UTF8.GetBytes(Request.Headers.Authorization.ToString());
        return Task.FromResult(CryptographicOperations.FixedTimeEquals(expected, given)
            ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], Name)), Name))
            : AuthenticateResult.NoResult());
    }
}
