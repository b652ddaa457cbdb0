using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using NUnit.Framework;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>
/// The PostgreSQL server the tests run against: the one named by <c>PAYMENTLINKS_TEST_POSTGRES</c> (a connection string)
/// when it is set, otherwise a throwaway server started with the installed <c>initdb</c> and <c>pg_ctl</c> (as the
/// <c>postgres</c> user when the tests run as root) on 127.0.0.1 and a free port, in a temporary folder, with a password.
/// Started on first use and stopped when the test run ends.
/// </summary>
internal sealed class PostgreSqlServer
{
    public const string EnvironmentVariable = "PAYMENTLINKS_TEST_POSTGRES";
    public const string Password = "pg-test-Pa55word-9f3c";

    private static readonly Lazy<PostgreSqlServer> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _schemaCount;
    private static int _sharedStopped;

    private readonly string? _binaries;
    private readonly string? _dataFolder;
    private string? _serverOptions;

    private PostgreSqlServer(string connectionString, string? binaries, string? dataFolder, string? unavailableReason)
    {
        ConnectionString = connectionString;
        _binaries = binaries;
        _dataFolder = dataFolder;
        UnavailableReason = unavailableReason;
    }

    public string ConnectionString { get; }

    /// <summary>Why no server can be had here, or <see langword="null"/>.</summary>
    public string? UnavailableReason { get; }

    /// <summary>Whether the tests own the server and may stop and start it.</summary>
    public bool IsThrowaway => _dataFolder is not null;

    /// <summary>The server, or an ignored test that says plainly why there is none.</summary>
    public static PostgreSqlServer Require()
    {
        var server = Shared.Value;
        if (server.UnavailableReason is not null)
        {
            Assert.Ignore(server.UnavailableReason);
        }

        return server;
    }

    /// <summary>Stops the throwaway server, if one was started.</summary>
    public static void StopShared()
    {
        if (Shared.IsValueCreated && Shared.Value.IsThrowaway && Interlocked.Exchange(ref _sharedStopped, 1) == 0)
        {
            Shared.Value.Stop();
            try
            {
                // The data folder's parent holds the password file and the socket too.
                Directory.Delete(Path.GetDirectoryName(Shared.Value._dataFolder)!, recursive: true);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Left for the system's temporary-file cleanup.
            }
        }
    }

    /// <summary>A schema name no other test uses.</summary>
    public static string NewSchema() => $"ledger_test_{Environment.ProcessId}_{Interlocked.Increment(ref _schemaCount)}";

    /// <summary>Stops the server; this process's pooled connections, now broken, are dropped.</summary>
    public void Stop()
    {
        PgCtl("stop", "-m", "fast", "-w");
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>
    /// Restarts the throwaway server with <c>fsync</c> on (each commit waits for the disk, as a production server does) or
    /// off (the tests' default: commits are cheap, and a crash of the machine may lose the folder, which is thrown away anyway).
    /// </summary>
    public void RestartWithFsync(bool on)
    {
        Stop();
        _serverOptions = _serverOptions!.Replace(on ? "-c fsync=off" : "-c fsync=on", on ? "-c fsync=on" : "-c fsync=off", StringComparison.Ordinal);
        Restart();
    }

    public void Restart() => PgCtl("start", "-w", "-t", "60", "-l", Path.Combine(_dataFolder!, "server.log"), "-o", _serverOptions!);

    private static PostgreSqlServer Start()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            return new PostgreSqlServer(given, null, null, null);
        }

        var binaries = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(folder => Path.Combine(folder, "bin"))
                .Where(folder => File.Exists(Path.Combine(folder, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (binaries is null)
        {
            return new PostgreSqlServer(
                string.Empty,
                null,
                null,
                $"PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) and {EnvironmentVariable} is not set: " +
                "the PostgreSQL ledger tests did not run. Install the Debian package postgresql, or set " +
                $"{EnvironmentVariable} to a connection string.");
        }

        var folder = Directory.CreateTempSubdirectory("paymentlinks-pg-").FullName;
        var dataFolder = Path.Combine(folder, "data");
        var passwordFile = Path.Combine(folder, "password");
        File.WriteAllText(passwordFile, Password);
        if (RunsAsRoot)
        {
            Run("chown", "-R", "postgres:postgres", folder);
        }

        var port = FreePort();
        var server = new PostgreSqlServer(
            $"Host=127.0.0.1;Port={port};Username=postgres;Password={Password};Database=postgres;Timeout=5;Command Timeout=30",
            binaries,
            dataFolder,
            null);
        server.RunPostgres("initdb", "-D", dataFolder, "-U", "postgres", "--auth=scram-sha-256", "--pwfile", passwordFile, "-E", "UTF8", "--no-sync");
        server._serverOptions = $"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c max_connections=200";
        server.Restart();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopShared();
        return server;
    }

    private static bool RunsAsRoot => Environment.UserName == "root";

    private void PgCtl(params string[] arguments) => RunPostgres("pg_ctl", ["-D", _dataFolder!, .. arguments]);

    private void RunPostgres(string program, params string[] arguments)
    {
        var path = Path.Combine(_binaries!, program);
        if (RunsAsRoot)
        {
            Run("runuser", ["-u", "postgres", "--", path, .. arguments]);
        }
        else
        {
            Run(path, arguments);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} did not finish in two minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output.Result}\n{error.Result}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Drops a test's schema.</summary>
    public async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
