using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// The sample's command line. With no command it shows example links; each command is built by its own class and
/// added to <see cref="CreateCommands"/>.
/// </summary>
internal static class TrackingTool
{
    public const int Success = 0;
    public const int SomeRowsFailed = 1;
    public const int UsageError = 2;

    // "@file" arguments are not read as response files: a base link or a CSV file name is taken as written.
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    /// <param name="links">Builds the links.</param>
    /// <param name="progress">Makes a progress display for a bulk run of so many bytes, or <see langword="null"/> for none.</param>
    /// <param name="openLedger">
    /// Opens the configured ledger's services; called only by the commands that read the ledger, so that the others run
    /// without a database.
    /// </param>
    public static RootCommand CreateCommands(
        IPaymentLinkUrlFactory links, Func<long, BulkProgress?>? progress = null, Func<IServiceProvider>? openLedger = null)
    {
        // Each command, and what its help adds after the options.
        (Command Command, string Details)[] commands =
        [
            (LinkCommand.Create(links), LinkCommand.Details),
            (BulkCommand.Create(links, progress), BulkCommand.Details),
            (SignCommand.Create(TimeProvider.System), SignCommand.Details),
            (ReportCommand.Create(openLedger), ReportCommand.Details),
            (ReconcileCommand.Create(openLedger: openLedger), ReconcileCommand.Details),
            (ForwardingCommand.Create(), ForwardingCommand.Details),
            (AdminCommands.Sessions(openLedger), AdminCommands.SessionsDetails),
            (AdminCommands.Erase(openLedger), AdminCommands.EraseDetails),
            (AdminCommands.Migrate(openLedger), AdminCommands.MigrateDetails),
        ];

        var root = new RootCommand("""
            Tracked Stripe Payment Links from the command line. With no command, shows example links built from
            appsettings.json.

            A base link is an absolute https (or http) URL, used as it is, or the name of a link in appsettings.json
            (PaymentLinkTracking:Links), which gets the default UTM codes configured there.
            """);
        foreach (var (command, _) in commands)
        {
            root.Subcommands.Add(command);
        }

        root.SetAction(parse => Demo.Run(links, parse.InvocationConfiguration.Output));
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithDetails((HelpAction)help.Action!, commands.ToDictionary(command => command.Command, command => command.Details));
        return root;
    }

    /// <summary>
    /// Runs the command line: exit code 2 for any bad argument (each error on <paramref name="error"/>, then the
    /// command's help), else the command's own exit code.
    /// </summary>
    public static int Run(
        string[] args,
        IPaymentLinkUrlFactory links,
        TextWriter output,
        TextWriter error,
        Func<long, BulkProgress?>? progress = null,
        Func<IServiceProvider>? openLedger = null)
    {
        var root = CreateCommands(links, progress, openLedger);
        var parse = root.Parse(args, Parsing);
        if (parse.Errors.Count == 0 || parse.Action is { ClearsParseErrors: true })
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }

        foreach (var problem in parse.Errors)
        {
            error.WriteLine($"error: {problem.Message}");
        }

        error.WriteLine();
        root.Parse([.. CommandPath(parse.CommandResult), "--help"], Parsing).Invoke(new InvocationConfiguration { Output = error });
        return UsageError;
    }

    private static Stack<string> CommandPath(CommandResult command)
    {
        var names = new Stack<string>();
        for (SymbolResult? result = command; result is CommandResult { Parent: not null } nested; result = nested.Parent)
        {
            names.Push(nested.Command.Name);
        }

        return names;
    }

    /// <summary>The library's help for a command, then what the command says beyond its options (formats, exit codes).</summary>
    private sealed class HelpWithDetails(HelpAction help, Dictionary<Command, string> details) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var exitCode = help.Invoke(parseResult);
            if (details.TryGetValue(parseResult.CommandResult.Command, out var text))
            {
                parseResult.InvocationConfiguration.Output.WriteLine(text);
            }

            return exitCode;
        }
    }
}
