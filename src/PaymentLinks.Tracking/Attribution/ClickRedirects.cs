using System.Security.Cryptography;

namespace PaymentLinks.Tracking;

/// <summary>
/// How a click becomes a redirect: the configured link (from memory), the click's UTM codes and reference on it, and
/// the click's id appended to <c>client_reference_id</c>. Only configured links are redirected to.
/// </summary>
internal static class ClickRedirects
{
    /// <summary>A new random id, for a click or a visitor: <see cref="ClientReferenceCodec.ClickIdLength"/> characters of the codec's alphabet.</summary>
    public static string NewId() => RandomNumberGenerator.GetString(CampaignKey.Alphabet, ClientReferenceCodec.ClickIdLength);

    /// <summary>The configured link with the click's UTM codes and reference; <see langword="null"/> for a name not configured.</summary>
    public static PaymentLinkUrl? Link(IPaymentLinkUrlFactory? links, PaymentLinkClick click)
    {
        ArgumentNullException.ThrowIfNull(click);
        ArgumentNullException.ThrowIfNull(click.LinkName);
        if (links is null || !links.LinkNames.Contains(click.LinkName, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        // What the visitor sent and Stripe would drop is left out here, so that the link keeps its own and no request
        // can fill the log with the factory's warnings about dropped parameters.
        var utm = new UtmCodes
        {
            Source = Valid(PaymentLinkParameter.UtmSource, click.Utm.Source),
            Medium = Valid(PaymentLinkParameter.UtmMedium, click.Utm.Medium),
            Campaign = Valid(PaymentLinkParameter.UtmCampaign, click.Utm.Campaign),
            Term = Valid(PaymentLinkParameter.UtmTerm, click.Utm.Term),
            Content = Valid(PaymentLinkParameter.UtmContent, click.Utm.Content),
        };
        var reference = Valid(PaymentLinkParameter.ClientReferenceId, click.MerchantReference);
        try
        {
            return links.Create(click.LinkName, link =>
            {
                if (!utm.IsEmpty)
                {
                    link = link.WithUtm(utm);
                }

                return reference is null ? link : link.WithClientReferenceId(reference);
            });
        }
        catch (KeyNotFoundException)
        {
            // Configured names compared by case, and this one differs in case.
            return null;
        }
    }

    /// <summary>The click as it is stored: its id, visitor and time, the codes the link carries, every text cut to its limit, and Meta's fbc.</summary>
    public static PaymentLinkClick Recorded(PaymentLinkClick click, PaymentLinkUrl link, DateTimeOffset now)
    {
        // Stored to the millisecond, the precision both engines keep and Meta's fbc is made of.
        var clickedAt = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        var fbclid = Cut(click.Fbclid);
        return click with
        {
            ClickId = NewId(),
            VisitorId = click.VisitorId is { } visitor && ClientReferenceCodec.IsClickId(visitor) ? visitor : NewId(),
            ClickedAt = clickedAt,
            Utm = link.Utm,
            MerchantReference = ClientReferenceCodec.Decode(link.ClientReferenceId).MerchantReference,
            Gclid = Cut(click.Gclid),
            Gbraid = Cut(click.Gbraid),
            Wbraid = Cut(click.Wbraid),
            Fbclid = fbclid,

            // Meta: prefer the _fbc cookie; otherwise fb.<subdomain index 1 on a server>.<ms when first seen>.<fbclid as received>.
            Fbc = Cut(click.Fbc) ?? (fbclid is null ? null : $"fb.1.{clickedAt.ToUnixTimeMilliseconds()}.{fbclid}"),
            Ttclid = Cut(click.Ttclid),
            Msclkid = Cut(click.Msclkid),
            LiFatId = Cut(click.LiFatId),
            RdtCid = Cut(click.RdtCid),
            GoogleAnalyticsCookie = Cut(click.GoogleAnalyticsCookie),
            Fbp = Cut(click.Fbp),
            Ttp = Cut(click.Ttp),
            Referrer = Cut(click.Referrer),
            LandingUrl = Cut(click.LandingUrl),
            IpAddress = Cut(click.IpAddress),
            UserAgent = Cut(click.UserAgent),
        };
    }

    /// <summary>The link with the click id appended to its <c>client_reference_id</c>, when there is room.</summary>
    public static PaymentLinkRedirect Redirect(PaymentLinkUrl link, PaymentLinkClick recorded)
    {
        var withClick = ClientReferenceCodec.AppendClickId(link.ClientReferenceId, recorded.ClickId!);
        return withClick is null
            ? new PaymentLinkRedirect(link.ToUri(), recorded)
            : new PaymentLinkRedirect(link.WithClientReferenceId(withClick).ToUri(), recorded) { IsClickIdIncluded = true };
    }

    private static string? Valid(PaymentLinkParameter parameter, string? value) =>
        value is not null && PaymentLinkRules.IsValid(parameter, value) ? value : null;

    private static string? Cut(string? value) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= PaymentLinkClick.MaxValueLength ? value : value[..PaymentLinkClick.MaxValueLength];
}
