using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.Extensions.DependencyInjection;

namespace PaymentLinks.Tracking.Tests.Readme;

/// <summary>
/// Compiles a README block in memory with Roslyn against the reference assemblies of .NET and ASP.NET Core (from
/// the installed SDK), the library and Stripe.net, as a project made by <c>dotnet new web</c> compiles it.
/// </summary>
internal static class SnippetCompiler
{
    // The implicit usings of Microsoft.NET.Sdk.Web.
    private const string ImplicitUsings = """
        global using global::Microsoft.AspNetCore.Builder;
        global using global::Microsoft.AspNetCore.Hosting;
        global using global::Microsoft.AspNetCore.Http;
        global using global::Microsoft.AspNetCore.Routing;
        global using global::Microsoft.Extensions.Configuration;
        global using global::Microsoft.Extensions.DependencyInjection;
        global using global::Microsoft.Extensions.Hosting;
        global using global::Microsoft.Extensions.Logging;
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Net.Http.Json;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private const string FragmentPrelude = """
        var builder = WebApplication.CreateBuilder(args);
        var app = builder.Build();

        """;

    private static readonly string[] Frameworks = ["Microsoft.NETCore.App", "Microsoft.AspNetCore.App"];

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(FindReferences);

    private static readonly CSharpParseOptions Parsing = new(LanguageVersion.Latest);

    /// <returns>Each error and warning, as <c>README.md line N: error CSxxxx: message</c>; none when the block compiles.</returns>
    public static IReadOnlyList<string> Compile(ReadmeBlock block) => Problems(CreateCompilation(block, block.Code), block);

    /// <summary>Compiles <paramref name="code"/> (the block's code, with any substitution made) to an assembly's bytes.</summary>
    /// <exception cref="InvalidOperationException">The code does not compile; the message lists each problem.</exception>
    public static byte[] Emit(ReadmeBlock block, string code)
    {
        var compilation = CreateCompilation(block, code);
        using var assembly = new MemoryStream();
        var result = compilation.Emit(assembly);
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, Problems(compilation, block)));
        }

        return assembly.ToArray();
    }

    private static CSharpCompilation CreateCompilation(ReadmeBlock block, string code)
    {
        var source = block.Kind == ReadmeBlockKind.Fragment ? FragmentPrelude + code : code;
        return CSharpCompilation.Create(
            "ReadmeBlock" + Guid.NewGuid().ToString("N"),
            [
                CSharpSyntaxTree.ParseText(ImplicitUsings, Parsing, "GlobalUsings.g.cs"),
                CSharpSyntaxTree.ParseText(source, Parsing, block.Document),
            ],
            References.Value,
            new CSharpCompilationOptions(
                block.Kind == ReadmeBlockKind.Declarations ? OutputKind.DynamicallyLinkedLibrary : OutputKind.ConsoleApplication,
                nullableContextOptions: NullableContextOptions.Enable,

                // As the SDK does: a reference built against an older framework version is not a problem.
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
                {
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));
    }

    private static List<string> Problems(CSharpCompilation compilation, ReadmeBlock block)
    {
        var linesBefore = block.Kind == ReadmeBlockKind.Fragment ? FragmentPrelude.Count(c => c == '\n') : 0;
        return compilation.GetDiagnostics()
            .Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning)
            .Select(diagnostic =>
            {
                var line = diagnostic.Location.GetLineSpan().StartLinePosition.Line;
                var readmeLine = block.Line + line - linesBefore;
                return $"{block.Document} line {readmeLine}: {diagnostic.Severity.ToString().ToLowerInvariant()} {diagnostic.Id}: {diagnostic.GetMessage(CultureInfo.InvariantCulture)}";
            })
            .ToList();
    }

    private static ImmutableArray<MetadataReference> FindReferences()
    {
        var assemblies = Frameworks.Select(FrameworkFolder)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.dll"))
            .Where(IsManagedAssembly)
            .Append(typeof(PaymentLinkUrl).Assembly.Location)
            .Append(typeof(Stripe.StripeClient).Assembly.Location)
            .Append(typeof(SqliteLedgerServiceCollectionExtensions).Assembly.Location)
            .Append(typeof(PostgreSqlLedgerServiceCollectionExtensions).Assembly.Location)
            .Append(typeof(PaymentLinks.Tracking.AspNetCore.PaymentLinkThankYouOptions).Assembly.Location)
            .Append(typeof(PaymentLinks.Tracking.GoogleAds.GoogleAdsForwardingOptions).Assembly.Location);
        return [.. assemblies.Select(path => MetadataReference.CreateFromFile(path))];
    }

    /// <summary>
    /// The SDK's reference pack of a shared framework for the running major version, or where no SDK is installed,
    /// the shared framework itself.
    /// </summary>
    private static string FrameworkFolder(string framework)
    {
        var runtime = RuntimeEnvironment.GetRuntimeDirectory();
        var dotnet = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        var major = Environment.Version.Major;
        var pack = Newest(Path.Combine(dotnet, "packs", framework + ".Ref"), major);
        if (pack is not null && Directory.Exists(Path.Combine(pack, "ref", $"net{major}.0")))
        {
            return Path.Combine(pack, "ref", $"net{major}.0");
        }

        return Newest(Path.Combine(dotnet, "shared", framework), major)
            ?? throw new DirectoryNotFoundException($"Neither a reference pack nor a shared framework of {framework} {major} is installed under {dotnet}.");
    }

    private static string? Newest(string folder, int major) =>
        Directory.Exists(folder)
            ? Directory.EnumerateDirectories(folder)
                .Select(path => (Path: path, Version: Version.TryParse(Path.GetFileName(path).Split('-')[0], out var version) ? version : null))
                .Where(candidate => candidate.Version?.Major == major)
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Path)
                .FirstOrDefault()
            : null;

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
