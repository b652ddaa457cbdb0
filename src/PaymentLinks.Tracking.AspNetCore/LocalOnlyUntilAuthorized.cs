using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>
/// Endpoint metadata of the report and admin endpoints: until the endpoint carries an authorization requirement
/// (<c>.RequireAuthorization(...)</c>, or an explicit <c>.AllowAnonymous()</c>), it answers local requests only, as
/// Hangfire's dashboard does, and a warning at start-up says so. Nothing is public by accident.
/// </summary>
internal sealed class LocalOnlyUntilAuthorized(string endpoint)
{
    public string Endpoint { get; } = endpoint;

    /// <summary>Whether the request may go on: the endpoint says who may see it, or the request is local.</summary>
    public static bool Allows(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        if (metadata is not null && HasAuthorization(metadata))
        {
            return true;
        }

        var connection = context.Connection;
        return connection.RemoteIpAddress is { } remote
            && (IPAddress.IsLoopback(remote) || remote.Equals(connection.LocalIpAddress));
    }

    /// <summary>The answer to a request that is not local, when the endpoint has no authorization requirement.</summary>
    public static IResult Refusal() => Results.Text(
        "This endpoint answers local requests only until the app attaches an authorization requirement to it (.RequireAuthorization(...)).",
        "text/plain",
        System.Text.Encoding.UTF8,
        StatusCodes.Status403Forbidden);

    /// <summary>Marks the endpoints of <paramref name="builder"/> and warns at start-up about those left without authorization.</summary>
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
                EndpointLog.LocalOnly(logger, name, pattern);
            }
        });
    }

    private static bool HasAuthorization(EndpointMetadataCollection metadata) =>
        metadata.GetMetadata<IAuthorizeData>() is not null
        || metadata.GetMetadata<AuthorizationPolicy>() is not null
        || metadata.GetMetadata<IAllowAnonymous>() is not null;
}
