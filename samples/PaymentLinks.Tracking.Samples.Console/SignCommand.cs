using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// <c>sign</c>: prints the <c>Stripe-Signature</c> header Stripe would send with an event file, and a <c>curl</c> line
/// that posts the file with it, to test a webhook endpoint without Stripe.
/// </summary>
internal static class SignCommand
{
    /// <summary>What <c>sign --help</c> adds after the options.</summary>
    public const string Details = """
        By default the event's "created" is set to the signing time, so that the event counts in this month's report,
        and the result is written to a new file in the temporary folder, which the curl line posts; --keep-created signs
        the file as it is. What is signed is signed byte for byte, as Stripe signs what it sends: post it unchanged
        (curl's --data-binary @file does), or its signature no longer matches. The header is valid for the receiver's
        tolerance (5 minutes by default) from --timestamp, which defaults to now.

        Exit codes: 0 the header was printed; 2 bad arguments (no such file, an empty file, a file that is not an
        event, a secret that is not whsec_...).

        --redirect takes the URL a tracked link answered (curl -s -o /dev/null -w '%{redirect_url}' <link>) and gives the
        event's session that URL's client_reference_id, as Stripe would: the event then names the click.

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
            else if (path.Length == 0)
            {
                result.AddError($"{path} is empty: an event file holds the event's JSON.");
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
                // The reason only, without .NET's "(Parameter '...')" suffix, which names no option of this command.
                var reason = invalid.ParamName is { } name ? invalid.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : invalid.Message;
                result.AddError($"--secret: {reason}");
            }
        });

        var timestamp = new Option<long?>("--timestamp")
        {
            Description = "The signing time in Unix seconds (default: now).",
            HelpName = "seconds",
        };
        var keepCreated = new Option<bool>("--keep-created")
        {
            Description = "Sign the file as it is, keeping the event's own \"created\" (default: set it to the signing time).",
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

        var redirect = new Option<string?>("--redirect")
        {
            Description = "Where a tracked link (/go/<name>) sent the buyer: the event's session takes that link's client_reference_id, " +
                "as Stripe copies it into the session, so that the event names the click.",
        };
        redirect.Validators.Add(result =>
        {
            if (!Uri.TryCreate(result.GetValueOrDefault<string>(), UriKind.Absolute, out var location) || ClientReferenceOf(location) is null)
            {
                result.AddError("--redirect must be the absolute URL a tracked link answered, with a client_reference_id.");
            }
        });

        var command = new Command("sign", "Prints the Stripe-Signature header for an event file, and a curl line that posts it.")
        {
            file, secret, timestamp, keepCreated, url, redirect,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetRequiredValue(file);
            var signedAt = parse.GetValue(timestamp) is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : time.GetUtcNow();
            var body = File.ReadAllBytes(path.FullName);
            var posted = path.ToString();
            var clientReferenceId = parse.GetValue(redirect) is { } location ? ClientReferenceOf(new Uri(location)) : null;
            if (clientReferenceId is not null && parse.GetValue(keepCreated))
            {
                parse.InvocationConfiguration.Error.WriteLine("error: --redirect changes the event, which --keep-created signs as it is; use one of them.");
                return TrackingTool.UsageError;
            }

            if (!parse.GetValue(keepCreated))
            {
                if (Stamped(body, signedAt, clientReferenceId) is not { } stamped)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"error: {path} is not an event (a JSON object with \"id\" and \"created\"); sign it as it is with --keep-created.");
                    return TrackingTool.UsageError;
                }

                (body, posted) = (stamped.Body, stamped.Path);
            }

            var header = PaymentLinkWebhookSigner.CreateSignatureHeader(body, parse.GetRequiredValue(secret), signedAt);

            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"Stripe-Signature: {header}");
            output.WriteLine(
                $"curl -i -X POST {Quote(parse.GetRequiredValue(url))} -H 'Content-Type: application/json' " +
                $"-H {Quote($"Stripe-Signature: {header}")} --data-binary @{Quote(posted)}");
            return TrackingTool.Success;
        });
        return command;
    }

    /// <summary>The <c>client_reference_id</c> in a payment link's URL; null without one.</summary>
    private static string? ClientReferenceOf(Uri location) =>
        System.Web.HttpUtility.ParseQueryString(location.Query)["client_reference_id"] is { Length: > 0 } value ? value : null;

    /// <summary>
    /// The event with "created" set to <paramref name="signedAt"/> (and its session's client_reference_id, when given),
    /// written to a file of its own; null for a file that is not an event.
    /// </summary>
    private static (byte[] Body, string Path)? Stamped(byte[] body, DateTimeOffset signedAt, string? clientReferenceId)
    {
        JsonObject? envelope;
        try
        {
            envelope = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }

        if (envelope?["id"]?.GetValueKind() != JsonValueKind.String || envelope["created"] is null)
        {
            return null;
        }

        envelope["created"] = signedAt.ToUnixTimeSeconds();
        if (clientReferenceId is not null)
        {
            if (envelope["data"]?["object"] is not JsonObject session)
            {
                return null;
            }

            session["client_reference_id"] = clientReferenceId;
        }

        var stamped = JsonSerializer.SerializeToUtf8Bytes(envelope, StampedJson.Default.JsonObject);
        var safeId = string.Concat(envelope["id"]!.GetValue<string>().Where(char.IsAsciiLetterOrDigit).Take(64));
        var target = Path.Combine(Path.GetTempPath(), $"paymentlinks-{safeId}-{signedAt.ToUnixTimeSeconds()}.json");
        File.WriteAllBytes(target, stamped);
        return (stamped, target);
    }

    // A POSIX shell word: single quotes, each single quote in the text closed, escaped and reopened.
    private static string Quote(string text) => $"'{text.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class StampedJson : System.Text.Json.Serialization.JsonSerializerContext;
