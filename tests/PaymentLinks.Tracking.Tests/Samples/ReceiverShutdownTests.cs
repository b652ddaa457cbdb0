using System.Net;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>
/// The webhook receiver sample as its own process, stopped with SIGTERM while its fulfilment handler runs work that
/// ignores cancellation (<c>Sample:FulfillmentDelayMs</c>): the handler's return is recorded before the process exits.
/// </summary>
[NonParallelizable]
public sealed class ReceiverShutdownTests
{
    [Test]
    public async Task A_handler_that_returns_after_SIGTERM_is_recorded_as_fulfilled_before_the_process_exits()
    {
        var folder = Directory.CreateTempSubdirectory("paymentlinks-sigterm-").FullName;
        var database = Path.Combine(folder, "ledger.db");
        try
        {
            string sessionId;
            using (var receiver = await RunningReceiver.StartAsync(new Dictionary<string, string>
            {
                ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={database}",
                ["Sample__FulfillmentDelayMs"] = "1500",
            }))
            {
                var body = SignedWebhooks.CompletedEventBody();
                using var response = await receiver.Post(body, SignedWebhooks.Header(body, RunningReceiver.Now()));
                response.StatusCode.ShouldBe(HttpStatusCode.OK);
                var line = await receiver.WaitForOutput("Fulfilling session cs_");
                sessionId = line[(line.IndexOf("cs_", StringComparison.Ordinal))..].Split(' ')[0];

                (await receiver.TerminateAsync(TimeSpan.FromSeconds(30))).ShouldBe(0);

                receiver.Output.ShouldContain($"Fulfilled session {sessionId}");
            }

            using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
            connection.Open();
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT fulfilled_at IS NOT NULL, lease_owner IS NULL, fulfillment_attempts FROM payment_link_sessions WHERE session_id = $id";
            read.Parameters.AddWithValue("$id", sessionId);
            using var row = read.ExecuteReader();
            row.Read().ShouldBeTrue();
            row.GetBoolean(0).ShouldBeTrue("the handler returned, so the session is recorded as fulfilled");
            row.GetBoolean(1).ShouldBeTrue("no lease is left behind");
            row.GetInt32(2).ShouldBe(1);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
