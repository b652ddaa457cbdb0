using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>
/// Endpoint metadata of the report and admin endpoints: until the endpoint carries an authorization requirement
/// (<c>.RequireAuthorization(...)</c>, or an explicit <c>.AllowAnonymous()</c>), it answers local requests only, as
/// Hangfire's dashboard does, and a warning at start-up says so. Nothing is public by accident.
/// </summary>
/// <remarks>
/// "Local" is stricter than Hangfire's rule, which a reverse proxy on the same host defeats (every request it forwards
/// comes from loopback): the connection comes from loopback, the request carries no header a proxy adds (nor one the
/// forwarded-headers middleware leaves when it rewrote the request), and its <c>Host</c> is a loopback name or address,
/// so that neither a proxy, nor a forged <c>X-Forwarded-For</c> trusted by <c>UseForwardedHeaders</c>, nor a web page
/// whose DNS name was rebound to 127.0.0.1 reaches the endpoint.
/// </remarks>
internal sealed class LocalOnlyUntilAuthorized(string endpoint)
{
    /// <summary>The headers a proxy adds, and those the forwarded-headers middleware leaves after applying them.</summary>
    private static readonly string[] ProxyHeaders =
    [
        "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix", "X-Real-IP", "Via",
        "X-Original-For", "X-Original-Host", "X-Original-Proto", "X-Original-Prefix",
    ];

    public string Endpoint { get; } = endpoint;

    /// <summary>Whether the request may go on: the endpoint says who may see it, or the request is local.</summary>
    public static bool Allows(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        return (metadata is not null && HasAuthorization(metadata)) || IsLocal(context);
    }

    /// <summary>
    /// Whether the request is local: from a loopback connection, with no forwarding header (the defaults' names and
    /// those the app configured for <c>UseForwardedHeaders</c>), to a loopback <c>Host</c>.
    /// </summary>
    public static bool IsLocal(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } remote || !IPAddress.IsLoopback(remote))
        {
            return false;
        }

        var headers = context.Request.Headers;
        foreach (var name in ProxyHeaders)
        {
            if (headers.ContainsKey(name))
            {
                return false;
            }
        }

        if (context.RequestServices?.GetService<IOptions<ForwardedHeadersOptions>>()?.Value is { } forwarded)
        {
            foreach (var name in new[]
            {
                forwarded.ForwardedForHeaderName, forwarded.ForwardedHostHeaderName, forwarded.ForwardedProtoHeaderName,
                forwarded.ForwardedPrefixHeaderName, forwarded.OriginalForHeaderName, forwarded.OriginalHostHeaderName,
                forwarded.OriginalProtoHeaderName, forwarded.OriginalPrefixHeaderName,
            })
            {
                if (!string.IsNullOrEmpty(name) && headers.ContainsKey(name))
                {
                    return false;
                }
            }
        }

        return IsLoopbackHost(context.Request.Host);
    }

    /// <summary><c>localhost</c>, <c>127.x.x.x</c> or <c>[::1]</c>, with any port.</summary>
    internal static bool IsLoopbackHost(HostString host)
    {
        if (!host.HasValue)
        {
            return false;
        }

        var name = host.Host;
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
        }

        return IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address)
            // IPAddress.TryParse also reads "127.1" and "2130706433"; a Host header names the address in full.
            && (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || name.Count(c => c == '.') == 3);
    }

    /// <summary>The answer to a request that is not local, when the endpoint has no authorization requirement.</summary>
    public static IResult Refusal() => Results.Text(
        "This endpoint answers local requests only (from loopback, with a loopback Host and no proxy's forwarding headers) until the app attaches an authorization requirement to it (.RequireAuthorization(...)).",
        "text/plain",
        System.Text.Encoding.UTF8,
        StatusCodes.Status403Forbidden);

    /// <summary>
    /// Marks the endpoints of <paramref name="builder"/> and, at start-up, names those left without authorization: a
    /// warning outside the Development environment, an information line in it.
    /// </summary>
    public static void Apply(IEndpointRouteBuilder endpoints, IEndpointConventionBuilder builder, string name, string pattern)
    {
        var marker = new LocalOnlyUntilAuthorized(name);
        builder.Add(endpoint => endpoint.Metadata.Add(marker));
        var lifetime = endpoints.ServiceProvider.GetService<IHostApplicationLifetime>();
        lifetime?.ApplicationStarted.Register(() =>
        {
            var open = endpoints.DataSources
                .SelectMany(source => source.Endpoints)
                .Where(endpoint => endpoint.Metadata.Contains(marker))
                .Any(endpoint => !HasAuthorization(endpoint.Metadata));
            if (open)
            {
                var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LocalOnlyUntilAuthorized).FullName!);

                // As ASP.NET Core's own developer pages: what is expected while developing is a warning anywhere else.
                if (endpoints.ServiceProvider.GetService<IHostEnvironment>()?.IsDevelopment() == true)
                {
                    EndpointLog.LocalOnlyInDevelopment(logger, name, pattern);
                }
                else
                {
                    EndpointLog.LocalOnly(logger, name, pattern);
                }
            }
        });
    }

    private static bool HasAuthorization(EndpointMetadataCollection metadata) =>
        metadata.GetMetadata<IAuthorizeData>() is not null
        || metadata.GetMetadata<AuthorizationPolicy>() is not null
        || metadata.GetMetadata<IAllowAnonymous>() is not null;
}
