using System.Text;
using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.Webhooks.SignedWebhooks;

namespace PaymentLinks.Tracking.Tests.Webhooks;

public class WebhookParserConcurrencyTests
{
    [Test]
    public void One_parser_shared_by_many_threads_gives_the_same_results_as_one_thread()
    {
        var parser = Parser();
        var requests = Requests();
        var expected = requests.Select(r => Outcome(parser, r.Body, r.Header)).ToArray();
        expected.Select(e => e.Reason).Distinct().Count().ShouldBeGreaterThan(2, "the requests cover acceptance and several rejections");

        const int Threads = 8;
        const int RoundsPerThread = 500;
        var mismatches = 0;
        using var start = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(worker => new Thread(() =>
        {
            start.SignalAndWait();
            for (var round = 0; round < RoundsPerThread; round++)
            {
                var i = (worker + round) % requests.Length;
                if (Outcome(parser, requests[i].Body, requests[i].Header) != expected[i])
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        })).ToArray();

        foreach (var thread in workers)
        {
            thread.Start();
        }

        foreach (var thread in workers)
        {
            thread.Join();
        }

        mismatches.ShouldBe(0);
    }

    private static (PaymentLinkWebhookRejection Reason, PaymentLinkEvent? Event) Outcome(PaymentLinkWebhookParser parser, byte[] body, string header)
    {
        parser.TryParse(body, header, out var paymentLinkEvent, out var reason);
        return (reason, paymentLinkEvent);
    }

    private static (byte[] Body, string Header)[] Requests()
    {
        var paid = CompletedEventBody();
        var unpaid = CompletedEventBody("unpaid");
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(paid).Replace(ClientReferenceId, "X" + ClientReferenceId[1..], StringComparison.Ordinal));
        return
        [
            (paid, Header(paid)),
            (unpaid, Header(unpaid)),
            (tampered, Header(paid)),
            (paid, Header(paid, NowSeconds - 301)),
            (paid, Header(paid, secret: OtherSecret)),
            (paid, "t=abc,v1=00"),
            (paid, ""),
            ("{\"id\":1}"u8.ToArray(), Header("{\"id\":1}"u8)),
        ];
    }
}
