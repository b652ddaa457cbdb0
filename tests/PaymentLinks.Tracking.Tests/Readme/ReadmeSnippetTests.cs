using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Readme;

/// <summary>
/// Every <c>```csharp</c> block of README.md and of each guide under docs/ compiles as shown: as the Program.cs of a project made by
/// <c>dotnet new web</c> (its implicit usings, nullable on) that installs the package. See <see cref="ReadmeBlock"/>
/// for the two marks a block that cannot stand alone may carry.
/// </summary>
public class ReadmeSnippetTests
{
    public static IEnumerable<TestCaseData> Blocks() =>
        ReadmeBlock.ReadAllDocuments()
            .Select(block => new TestCaseData(block).SetName($"{block.Document} line {block.Line} ({block.Kind}) compiles as shown"));

    [TestCaseSource(nameof(Blocks))]
    public void Each_csharp_block_of_the_readme_compiles_as_shown(ReadmeBlock block)
    {
        var problems = SnippetCompiler.Compile(block);

        problems.ShouldBeEmpty($"{block}:{Environment.NewLine}{block.Code}");
    }

    [Test]
    public void Each_guide_s_csharp_blocks_are_found()
    {
        var documents = ReadmeBlock.Documents;
        var blocks = ReadmeBlock.ReadAllDocuments();

        documents.ShouldContain("README.md");
        documents.ShouldContain("docs/benchmarks.md");
        foreach (var document in documents)
        {
            var fences = File.ReadLines(Path.Combine(ReadmeBlock.RepositoryRoot, document)).Count(line => line.Trim() == "```csharp");
            blocks.Count(block => block.Document == document).ShouldBe(fences, document);
        }
    }

    [Test]
    public void The_readme_has_csharp_blocks_and_each_one_is_found()
    {
        var blocks = ReadmeBlock.ReadAll(ReadmeBlock.ReadmePath);
        var fences = File.ReadLines(ReadmeBlock.ReadmePath).Count(line => line.Trim() == "```csharp");

        blocks.Count.ShouldBe(fences);
        blocks.Count.ShouldBeGreaterThanOrEqualTo(2);
        ReadmeBlock.ReadAllDocuments().Count.ShouldBeGreaterThan(10);
    }

    [TestCase("using PaymentLinks.Tracking;\nvar page = PaymentLinkUrl.Parse(\"https://example.com/?utm_source=a\");\npage.Utm.Source;\n", "README.md line 12: error CS0201")]
    [TestCase("using PaymentLinks.Tracking;\nvar reader = new CheckoutConversionReader(new StripeClient(\"rk_test_x\"));\n", "README.md line 11: error CS0246")]
    [TestCase("app.MapGet(\"/\", () => \"hello\");\n", "README.md line 10: error CS0103")]
    [TestCase("string name = null;\nConsole.WriteLine(name);\n", "README.md line 10: warning CS8600")]
    public void A_block_that_does_not_compile_as_shown_is_reported_at_its_readme_line(string code, string expected)
    {
        var problems = SnippetCompiler.Compile(new ReadmeBlock(10, ReadmeBlockKind.Program, code));

        problems.ShouldContain(problem => problem.StartsWith(expected, StringComparison.Ordinal));
    }

    [TestCase(ReadmeBlockKind.Fragment, "app.MapGet(\"/\", () => \"hello\");\nbuilder.Services.AddPaymentLinkTracking(_ => { });\n")]
    [TestCase(ReadmeBlockKind.Declarations, "public sealed record Order(string Id);\n")]
    public void A_marked_block_compiles_in_the_setting_its_mark_names(ReadmeBlockKind kind, string code)
    {
        SnippetCompiler.Compile(new ReadmeBlock(1, kind, code)).ShouldBeEmpty();
        SnippetCompiler.Compile(new ReadmeBlock(1, ReadmeBlockKind.Program, code)).ShouldNotBeEmpty();
    }

    [Test]
    public void Marks_on_the_line_before_a_fence_are_read_and_other_languages_are_left_out()
    {
        var readme = Path.Combine(Path.GetTempPath(), $"readme-{Guid.NewGuid():N}.md");
        File.WriteAllText(readme, """
            # Title

            ```csharp
            Console.WriteLine(1);
            ```

            <!-- snippet: fragment -->
            ```csharp
            app.Run();
            ```

            ```jsonc
            { }
            ```
            <!-- snippet: declarations -->

            ```csharp
            public class Orders { }
            ```
            """);
        try
        {
            ReadmeBlock.ReadAll(readme).ShouldBe(
            [
                new ReadmeBlock(4, ReadmeBlockKind.Program, "Console.WriteLine(1);\n"),
                new ReadmeBlock(9, ReadmeBlockKind.Fragment, "app.Run();\n"),
                new ReadmeBlock(18, ReadmeBlockKind.Declarations, "public class Orders { }\n"),
            ]);
        }
        finally
        {
            File.Delete(readme);
        }
    }
}
