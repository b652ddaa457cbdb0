namespace PaymentLinks.Tracking.Samples;

/// <summary>The sample's commands: <c>link</c> prints one tracked link, <c>bulk</c> tracks a CSV file of them.</summary>
internal static class TrackingTool
{
    public const int Success = 0;
    public const int SomeRowsFailed = 1;
    public const int UsageError = 2;

    public const string Usage = """
        Tracked Stripe Payment Links from the command line.

        Usage:
          PaymentLinks.Tracking.Samples.Console                    show example links built from appsettings.json
          PaymentLinks.Tracking.Samples.Console link <url-or-name> [options]
          PaymentLinks.Tracking.Samples.Console bulk <links.csv> [--output <tracked.csv>]
          PaymentLinks.Tracking.Samples.Console <command> --help

        A base link is an absolute https (or http) URL, used as it is, or the name of a link in appsettings.json
        (PaymentLinkTracking:Links), which gets the default UTM codes configured there.
        """;

    public const string LinkUsage = """
        Prints one tracked payment link. Values Stripe would drop are left out and listed on standard error.

        Usage:
          link <url-or-name> [--utm-source <value>] [--utm-medium <value>] [--utm-campaign <value>]
                             [--utm-term <value>] [--utm-content <value>] [--client-reference-id <value>]
                             [--prefilled-email <email>] [--locale <locale>] [--promo-code <code>]

        Options may also be written --name=value. UTM codes and client_reference_id allow 1 to 150 (200)
        ASCII letters, digits, '-' and '_'.

        Exit codes: 0 the link was printed (even with values dropped); 2 bad arguments or base link.

        Example:
          link https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr --utm-source newsletter --client-reference-id order-1042
        """;

    private static readonly (string Option, PaymentLinkParameter Parameter)[] LinkOptions =
    [
        ("--utm-source", PaymentLinkParameter.UtmSource),
        ("--utm-medium", PaymentLinkParameter.UtmMedium),
        ("--utm-campaign", PaymentLinkParameter.UtmCampaign),
        ("--utm-term", PaymentLinkParameter.UtmTerm),
        ("--utm-content", PaymentLinkParameter.UtmContent),
        ("--client-reference-id", PaymentLinkParameter.ClientReferenceId),
        ("--prefilled-email", PaymentLinkParameter.PrefilledEmail),
        ("--locale", PaymentLinkParameter.Locale),
        ("--promo-code", PaymentLinkParameter.PrefilledPromoCode),
    ];

    public static int Run(string[] args, IPaymentLinkUrlFactory links, TextWriter output, TextWriter error)
    {
        switch (args)
        {
            case []:
                error.WriteLine(Usage);
                return UsageError;
            case ["--help" or "-h" or "help", ..]:
                output.WriteLine(Usage);
                return Success;
            case ["link", .. var rest]:
                return Link(rest, links, output, error);
            case ["bulk", .. var rest]:
                return BulkCommand.Run(rest, links, output, error);
            default:
                error.WriteLine($"error: unknown command '{args[0]}'.");
                error.WriteLine();
                error.WriteLine(Usage);
                return UsageError;
        }
    }

    /// <summary>Reads a base link: an absolute URL, or else the name of a configured link.</summary>
    /// <returns>Why the text is neither, or <see langword="null"/>.</returns>
    public static string? TryReadBaseLink(string text, IPaymentLinkUrlFactory links, out PaymentLinkUrl? link)
    {
        if (PaymentLinkUrl.TryParse(text, out link))
        {
            return null;
        }

        if (!text.Contains(':', StringComparison.Ordinal) && links.LinkNames.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            link = links.Create(text);
            return null;
        }

        var known = links.LinkNames.Count == 0 ? "none is configured" : $"configured: {string.Join(", ", links.LinkNames)}";
        return $"'{text}' is neither an absolute http(s) URL nor the name of a link in appsettings.json ({known}).";
    }

    private static int Link(string[] args, IPaymentLinkUrlFactory links, TextWriter output, TextWriter error)
    {
        if (args is [] || args.Contains("--help") || args.Contains("-h"))
        {
            (args is [] ? error : output).WriteLine(LinkUsage);
            return args is [] ? UsageError : Success;
        }

        if (args[0].StartsWith("--", StringComparison.Ordinal))
        {
            return Fail(error, $"the base link comes first, before '{args[0]}'.", LinkUsage);
        }

        if (TryReadBaseLink(args[0], links, out var link) is { } problem)
        {
            return Fail(error, problem, LinkUsage);
        }

        var seen = new HashSet<PaymentLinkParameter>();
        for (var i = 1; i < args.Length; i++)
        {
            var (name, value) = SplitOption(args[i]);
            var parameter = LinkOptions.FirstOrDefault(option => option.Option == name);
            if (parameter.Option is null)
            {
                return Fail(error, $"unknown option '{name}'.", LinkUsage);
            }

            if (value is null)
            {
                if (i + 1 == args.Length)
                {
                    return Fail(error, $"option '{name}' needs a value.", LinkUsage);
                }

                value = args[++i];
            }

            if (!seen.Add(parameter.Parameter))
            {
                return Fail(error, $"option '{name}' is given twice.", LinkUsage);
            }

            link = link!.With(parameter.Parameter, value);
        }

        output.WriteLine(link!.ToString());
        foreach (var dropped in link.Dropped)
        {
            error.WriteLine($"dropped {dropped}");
        }

        return Success;
    }

    private static (string Name, string? Value) SplitOption(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (arg, null) : (arg[..equals], arg[(equals + 1)..]);
    }

    internal static int Fail(TextWriter error, string message, string usage)
    {
        error.WriteLine($"error: {message}");
        error.WriteLine();
        error.WriteLine(usage);
        return UsageError;
    }
}
