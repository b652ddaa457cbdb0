using System.Data.Common;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking.Samples.WebhookReceiver;

/// <summary>What stops the sample before it serves, each said with the option or the database it is about.</summary>
internal static class StartupCheck
{
    /// <summary>The tracking options' problems, naming each option; advice on the secret only when a secret is at fault.</summary>
    public static string? Problem(IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value;
            _ = services.GetRequiredService<IOptions<PaymentLinkForwardingOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException invalid)
        {
            return Describe(invalid);
        }
    }

    /// <summary>Runs the app: 0 when stopped, 2 for an option the host's start-up refused, 3 for a ledger that cannot be used.</summary>
    public static async Task<int> RunAsync(WebApplication app)
    {
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException invalid)
        {
            await Console.Error.WriteLineAsync(Describe(invalid));
            return 2;
        }
        catch (DbException unreachable)
        {
            // The ledger's schema is applied (or checked) at start-up: a database that cannot be reached stops here.
            await Console.Error.WriteLineAsync(
                $"The ledger's database could not be opened ({unreachable.GetType().Name}: {unreachable.Message}). Check ConnectionStrings__PaymentLinkLedger.");
            return 3;
        }
        catch (InvalidOperationException behind) when (behind.Message.Contains("schema", StringComparison.Ordinal))
        {
            await Console.Error.WriteLineAsync(behind.Message);
            return 3;
        }
    }

    private static string Describe(OptionsValidationException invalid)
    {
        var text = $"The configuration is not valid: {invalid.Message}";
        return invalid.Failures.Any(failure => failure.Contains("SigningSecrets", StringComparison.Ordinal))
            ? text + "\nSet the endpoint's signing secret, e.g. PaymentLinkTracking__SigningSecrets__0=whsec_... (the Dashboard's endpoint, or what `stripe listen` prints)."
            : text;
    }
}
