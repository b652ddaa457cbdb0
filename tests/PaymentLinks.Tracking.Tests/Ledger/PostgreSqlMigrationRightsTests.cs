using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>An application whose PostgreSQL login may not change the schema runs once a login that may has migrated it.</summary>
public sealed class PostgreSqlMigrationRightsTests
{
    [Test]
    public async Task A_login_without_DDL_rights_runs_with_ApplyMigrations_off_once_the_schema_is_in_place()
    {
        var server = PostgreSqlServer.Require();
        var schema = PostgreSqlServer.NewSchema();
        var role = $"{schema}_app";
        const string RolePassword = "app-Pa55word-7d1e";
        var appConnection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Username = role, Password = RolePassword }.ConnectionString;
        try
        {
            // The deployment's login migrates.
            await using (var owner = new ServiceCollection().AddPostgreSqlLedger(options => { options.ConnectionString = server.ConnectionString; options.Schema = schema; }).BuildServiceProvider())
            {
                (await owner.GetRequiredService<IPaymentLinkAdmin>().ApplyMigrationsAsync()).IsCurrent.ShouldBeTrue();
            }

            // The application's login reads and writes rows, and may create nothing.
            await using (var connection = new NpgsqlConnection(server.ConnectionString))
            {
                await connection.OpenAsync();
                await using var grant = new NpgsqlCommand(
                    $"CREATE ROLE \"{role}\" LOGIN PASSWORD '{RolePassword}'; " +
                    $"GRANT USAGE ON SCHEMA \"{schema}\" TO \"{role}\"; " +
                    $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"{schema}\" TO \"{role}\"; " +
                    $"REVOKE CREATE ON SCHEMA \"{schema}\" FROM \"{role}\"; REVOKE CREATE ON SCHEMA public FROM \"{role}\";",
                    connection);
                await grant.ExecuteNonQueryAsync();
            }

            await using var app = new ServiceCollection().AddPostgreSqlLedger(options =>
            {
                options.ConnectionString = appConnection;
                options.Schema = schema;
                options.ApplyMigrations = false;
            }).BuildServiceProvider();
            var ledger = app.GetRequiredService<IPaymentLinkLedger>();
            var session = CheckoutEvents.ForNewSession();

            (await ledger.RecordAsync(session.Completed())).ShouldBe(LedgerRecordOutcome.Stored);
            (await ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull();

            // It may rebuild the report, though it may not vacuum tables it does not own (the rebuild's vacuum only warns),
            // and the report counts the session.
            (await app.GetRequiredService<IPaymentLinkAdmin>().RebuildReportAsync()).ShouldBe(1);
            (await app.GetRequiredService<IPaymentLinkAttribution>().ReportAsync(mode: PaymentLinkMode.Test)).Sum(row => row.Sessions).ShouldBe(1);

            // With migrations on, the same login cannot even create the schema's version table: the option is what lets it run.
            await using var migrating = new ServiceCollection().AddPostgreSqlLedger(options => { options.ConnectionString = appConnection; options.Schema = schema; }).BuildServiceProvider();
            await Should.ThrowAsync<PostgresException>(() => migrating.GetRequiredService<IPaymentLinkLedger>().FindSessionAsync(session.SessionId));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await server.DropSchemaAsync(schema);
            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP ROLE IF EXISTS \"{role}\"", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
