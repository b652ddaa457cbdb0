using System.Net;
using System.Net.Sockets;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>Who a per-client rate limit counts for, shared by the endpoints that limit per client.</summary>
internal static class ClientAddress
{
    /// <summary>
    /// The client a rate limit counts for: the address as ASP.NET Core sees it, an IPv4-mapped IPv6 address as its
    /// IPv4 address, and an IPv6 address as its /64 (one subscriber's prefix, in which its addresses rotate freely).
    /// </summary>
    public static string Key(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }
}
