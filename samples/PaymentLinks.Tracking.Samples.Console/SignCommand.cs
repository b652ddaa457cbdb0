using System.CommandLine;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// <c>sign</c>: prints the <c>Stripe-Signature</c> header Stripe would send with an event file, and a <c>curl</c> line
/// that posts the file with it, to test a webhook endpoint without Stripe.
/// </summary>
internal static class SignCommand
{
    /// <summary>What <c>sign --help</c> adds after the options.</summary>
    public const string Details = """
        The file is signed byte for byte, as Stripe signs what it sends: post it unchanged (curl's --data-binary @file
        does), or its signature no longer matches. The header is valid for the receiver's tolerance (5 minutes by
        default) from --timestamp, which defaults to now.

        Exit codes: 0 the header was printed; 2 bad arguments (no such file, a secret that is not whsec_...).

        Example, against the webhook receiver sample started with the same secret:
          sign --secret whsec_test_secret samples/PaymentLinks.Tracking.Samples.WebhookReceiver/checkout.session.completed.json
        """;

    public const string DefaultUrl = "http://127.0.0.1:5080/stripe/webhook";

    public static Command Create(TimeProvider time)
    {
        var file = new Argument<FileInfo>("event-file") { Description = "The event's JSON, as the endpoint will receive it." };
        file.Validators.Add(result =>
        {
            var path = result.GetValueOrDefault<FileInfo>();
            if (Directory.Exists(path.FullName))
            {
                result.AddError($"{path} is a folder, not an event file.");
            }
            else if (!path.Exists)
            {
                result.AddError($"{path} does not exist.");
            }
        });

        var secret = new Option<string>("--secret")
        {
            Description = "The endpoint's signing secret (whsec_...), the one the receiver is configured with.",
            Required = true,
            HelpName = "whsec_...",
        };
        secret.Validators.Add(result =>
        {
            try
            {
                // The parser's own checks: the same refusals, and messages that never repeat the secret.
                _ = new PaymentLinkWebhookParser(new PaymentLinkWebhookOptions { SigningSecrets = { result.GetValueOrDefault<string>() } });
            }
            catch (ArgumentException invalid)
            {
                result.AddError($"--secret: {invalid.Message}");
            }
        });

        var timestamp = new Option<long?>("--timestamp")
        {
            Description = "The signing time in Unix seconds (default: now).",
            HelpName = "seconds",
        };
        var url = new Option<string>("--url")
        {
            Description = $"Where the curl line posts the file (default: {DefaultUrl}).",
            DefaultValueFactory = _ => DefaultUrl,
        };
        url.Validators.Add(result =>
        {
            if (!Uri.TryCreate(result.GetValueOrDefault<string>(), UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
            {
                result.AddError("--url must be an absolute http or https URL.");
            }
        });

        var command = new Command("sign", "Prints the Stripe-Signature header for an event file, and a curl line that posts it.")
        {
            file, secret, timestamp, url,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetRequiredValue(file);
            var signedAt = parse.GetValue(timestamp) is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : time.GetUtcNow();
            var header = PaymentLinkWebhookSigner.CreateSignatureHeader(File.ReadAllBytes(path.FullName), parse.GetRequiredValue(secret), signedAt);

            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"Stripe-Signature: {header}");
            output.WriteLine(
                $"curl -i -X POST {Quote(parse.GetRequiredValue(url))} -H 'Content-Type: application/json' " +
                $"-H {Quote($"Stripe-Signature: {header}")} --data-binary @{Quote(path.ToString())}");
            return TrackingTool.Success;
        });
        return command;
    }

    // A POSIX shell word: single quotes, each single quote in the text closed, escaped and reopened.
    private static string Quote(string text) => $"'{text.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
