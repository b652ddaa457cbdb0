using System.Collections.Concurrent;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Links;

public class PaymentLinkUrlConcurrencyTests
{
    private const int Workers = 8;
    private const int IterationsPerWorker = 10_000;

    [Test]
    public void One_base_link_shared_by_many_threads_gives_the_same_links_as_one_thread()
    {
        // A parsed URL with a drop and its own edits, so that threads share both the parsed part and an edit chain,
        // and some of their longer chains fold into a freshly parsed link.
        var shared = PaymentLinkUrl.Parse("https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr?plan=pro&utm_source=bad%20value&ref=a%26b#pricing")
            .WithUtmMedium("email")
            .WithLocale("fr")
            .WithPrefilledPromoCode("SPRING25");
        var sharedUrl = shared.ToString();

        var expected = new string[Workers * IterationsPerWorker];
        for (var i = 0; i < expected.Length; i++)
        {
            expected[i] = BuildAndReadBack(shared, i);
        }

        var actual = new string[expected.Length];
        var failures = new ConcurrentQueue<Exception>();
        using var start = new Barrier(Workers);
        var threads = Enumerable.Range(0, Workers).Select(worker => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                for (var i = worker * IterationsPerWorker; i < (worker + 1) * IterationsPerWorker; i++)
                {
                    actual[i] = BuildAndReadBack(shared, i);
                }
            }
            catch (Exception exception)
            {
                failures.Enqueue(exception);
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        failures.ShouldBeEmpty();
        Enumerable.Range(0, expected.Length).Where(i => actual[i] != expected[i]).ShouldBeEmpty("iterations whose result differs");
        shared.ToString().ShouldBe(sharedUrl);
        expected.Distinct(StringComparer.Ordinal).Count().ShouldBe(expected.Length, "each iteration builds its own link");
    }

    // Builds a link from per-iteration values, valid and not, and reads everything back.
    private static string BuildAndReadBack(PaymentLinkUrl shared, int i)
    {
        var link = shared
            .WithUtmCampaign(i % 11 == 0 ? "spring sale" : $"campaign_{i}")
            .WithClientReferenceId(i % 13 == 0 ? $"sk_live_{i}" : $"order-{i}")
            .WithUtmSource(i % 5 == 0 ? null : $"source{i % 97}")
            .WithPrefilledEmail($"customer+{i}@example.com");
        for (var term = 0; term < i % 20; term++)
        {
            link = link.WithUtmTerm($"term{term}");
        }

        var url = link.ToString();
        var reparsed = PaymentLinkUrl.Parse(url);
        return string.Join(
            Environment.NewLine,
            url,
            reparsed.Utm,
            reparsed.ClientReferenceId,
            reparsed.PrefilledEmail,
            reparsed.GetQueryParameter("ref"),
            string.Join(" | ", link.Dropped));
    }
}
