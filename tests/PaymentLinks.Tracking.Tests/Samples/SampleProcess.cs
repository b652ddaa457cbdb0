using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>Starts a built sample program with <c>dotnet</c>, as a user runs it, and collects what it prints.</summary>
internal sealed class SampleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private SampleProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) => Append(_output, line.Data);
        _process.ErrorDataReceived += (_, line) => Append(_error, line.Data);
    }

    public string Output => Read(_output);

    public string Error => Read(_error);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The repository's <c>samples</c> folder.</summary>
    public static string SamplesDirectory => Metadata("SamplesDirectory");

    /// <summary>The sample's built program, found beside its project in the configuration the tests were built in.</summary>
    public static string ProgramPath(string sampleName)
    {
        var path = Path.Combine(SamplesDirectory, sampleName, Metadata("SamplesOutput"), sampleName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The sample {sampleName} is not built at {path}.", path);
    }

    private static string Metadata(string key) =>
        typeof(SampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(attribute => attribute.Key == key).Value!;

    public static SampleProcess Start(string sampleName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        StartProgram(ProgramPath(sampleName), arguments, environment);

    /// <summary>Starts a built program (its .dll) with <c>dotnet</c>, in its own folder.</summary>
    public static SampleProcess StartProgram(string programPath, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(programPath)!,
        };
        start.ArgumentList.Add(programPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Plain lines, not terminal colours, in what the test reads.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var sample = new SampleProcess(new Process { StartInfo = start });
        sample._process.Start();
        sample._process.BeginOutputReadLine();
        sample._process.BeginErrorReadLine();
        return sample;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends the process SIGTERM, as a deploy or <c>docker stop</c> would; it then stops by itself.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} exited with {kill.ExitCode}.");
        }
    }

    /// <summary>Kills the process with SIGKILL, as a crash or an out-of-memory kill would, and waits until it is gone.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is not null)
        {
            lock (text)
            {
                text.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
