using Microsoft.Extensions.Configuration;

namespace PaymentLinks.Tracking.Tests.DependencyInjection;

/// <summary>Reloads a configuration value over and over while other threads make requests that check what they got.</summary>
internal static class ReloadRacing
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(3);

    /// <summary>Runs the race for a few seconds.</summary>
    /// <param name="configuration">The configuration to reload.</param>
    /// <param name="key">The key that changes at each reload.</param>
    /// <param name="valueOfRound">The value of each round's key.</param>
    /// <param name="request">One request; <see langword="false"/> when what it got belongs to other options.</param>
    /// <returns>How many requests got what belongs to other options.</returns>
    public static async Task<int> Run(IConfigurationRoot configuration, string key, Func<int, string> valueOfRound, Func<bool> request)
    {
        using var stop = new CancellationTokenSource(Duration);
        var mismatches = 0;
        var reloads = Task.Run(() =>
        {
            for (var round = 1; !stop.IsCancellationRequested; round++)
            {
                configuration[key] = valueOfRound(round);
                configuration.Reload();
            }
        });
        var requests = Enumerable.Range(0, Environment.ProcessorCount * 2).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (!request())
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        })).ToArray();

        await Task.WhenAll([reloads, .. requests]);
        return mismatches;
    }
}
