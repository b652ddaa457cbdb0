namespace PaymentLinks.Tracking.LoadHarness;

internal sealed class SideBySide(Engine engine, int events, int inFlight, int rounds, string? connectionString, TextWriter output)
{
    public Task<int> RunAsync()
    {
        output.WriteLine($"{engine} {events} {inFlight} {rounds} {connectionString}");
        return Task.FromResult(0);
    }
}
