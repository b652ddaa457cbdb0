using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Ledger;

namespace PaymentLinks.Tracking.Tests;

/// <summary>Stops the throwaway PostgreSQL server once every test has run (the ledger's and the samples' alike).</summary>
[SetUpFixture]
public sealed class ThrowawayServerShutdown
{
    [OneTimeTearDown]
    public void StopServer() => PostgreSqlServer.StopShared();
}
