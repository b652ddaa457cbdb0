using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace PaymentLinks.Tracking.Tests.Readme;

/// <summary>How a README block is compiled.</summary>
public enum ReadmeBlockKind
{
    /// <summary>The whole Program.cs of a web project, with top-level statements: the default.</summary>
    Program,

    /// <summary>
    /// Marked <c>&lt;!-- snippet: fragment --&gt;</c>: statements inside such a Program.cs, after
    /// <c>var builder = WebApplication.CreateBuilder(args);</c> and <c>var app = builder.Build();</c>.
    /// </summary>
    Fragment,

    /// <summary>Marked <c>&lt;!-- snippet: declarations --&gt;</c>: types of the user's own, compiled as a library.</summary>
    Declarations,
}

/// <summary>
/// A <c>```csharp</c> block of a Markdown file: README.md or a guide under docs/. A mark, if any, is an HTML comment on the last non-blank line before
/// the fence; GitHub does not show it.
/// </summary>
/// <param name="Line">The file's line number of the block's first line of code, counting from 1.</param>
/// <param name="Kind">How the block is compiled, from its mark.</param>
/// <param name="Code">The block's lines, each ending with '\n'.</param>
public sealed partial record ReadmeBlock(int Line, ReadmeBlockKind Kind, string Code)
{
    /// <summary>The file the block is in, relative to the repository's root, as messages name it.</summary>
    public string Document { get; init; } = "README.md";

    public static string RepositoryRoot
    {
        get
        {
            var samples = typeof(ReadmeBlock).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(attribute => attribute.Key == "SamplesDirectory").Value!;
            return Path.GetDirectoryName(samples)!;
        }
    }

    public static string ReadmePath => Path.Combine(RepositoryRoot, "README.md");

    /// <summary>README.md and every guide under docs/, as paths relative to the repository's root.</summary>
    public static IReadOnlyList<string> Documents =>
    [
        "README.md",
        .. Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "docs"), "*.md")
            .Select(path => "docs/" + Path.GetFileName(path))
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Every block of README.md and of the guides under docs/.</summary>
    public static IReadOnlyList<ReadmeBlock> ReadAllDocuments() =>
        [.. Documents.SelectMany(document => ReadAll(Path.Combine(RepositoryRoot, document)).Select(block => block with { Document = document }))];

    public static IReadOnlyList<ReadmeBlock> ReadAll(string path)
    {
        var lines = File.ReadAllLines(path);
        var blocks = new List<ReadmeBlock>();
        var kind = ReadmeBlockKind.Program;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line != "```csharp")
            {
                if (line.Length > 0)
                {
                    kind = Mark().Match(line) is { Success: true } mark
                        ? Enum.Parse<ReadmeBlockKind>(mark.Groups["kind"].Value, ignoreCase: true)
                        : ReadmeBlockKind.Program;
                }

                continue;
            }

            var code = new StringBuilder();
            var first = i + 2;
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
            {
                code.Append(lines[i]).Append('\n');
            }

            blocks.Add(new ReadmeBlock(first, kind, code.ToString()));
            kind = ReadmeBlockKind.Program;
        }

        return blocks;
    }

    /// <summary>
    /// Whether the block is a whole web app: top-level statements that build a <c>WebApplication</c> and run it.
    /// </summary>
    public bool IsWebApp =>
        Kind == ReadmeBlockKind.Program
        && Code.Contains("WebApplication.CreateBuilder(", StringComparison.Ordinal)
        && Code.Contains("app.Run();", StringComparison.Ordinal);

    public override string ToString() => $"{Document} line {Line} ({Kind})";

    [GeneratedRegex(@"^<!--\s*snippet:\s*(?<kind>fragment|declarations)\s*-->$", RegexOptions.IgnoreCase)]
    private static partial Regex Mark();
}
