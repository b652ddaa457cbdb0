namespace PaymentLinks.Tracking;

/// <summary>
/// The names of the <see cref="AttributionModel"/>s, as the report endpoint's <c>?model=</c> and the console's
/// <c>--model</c> take them: <c>last-click</c>, <c>first-click</c>, <c>last-non-direct</c>, <c>linear</c>,
/// <c>position-based</c>, <c>time-decay</c>.
/// </summary>
/// <example>
/// <code>
/// if (AttributionModelNames.TryParse("position-based", out var model))
/// {
///     var rows = await attribution.ReportAsync(since, until, PaymentLinkMode.Live, model);
/// }
/// </code>
/// </example>
public static class AttributionModelNames
{
    private static readonly string[] NamesInOrder = ["last-click", "first-click", "last-non-direct", "linear", "position-based", "time-decay"];

    /// <summary>Gets every model's name, in the order of <see cref="AttributionModel"/>, the default first.</summary>
    public static IReadOnlyList<string> All { get; } = Array.AsReadOnly(NamesInOrder);

    /// <summary>The name of <paramref name="model"/>, such as <c>last-click</c>.</summary>
    /// <param name="model">The model.</param>
    /// <returns>Its name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="model"/> is not a defined model.</exception>
    public static string Format(AttributionModel model) =>
        (uint)model < (uint)NamesInOrder.Length
            ? NamesInOrder[(int)model]
            : throw new ArgumentOutOfRangeException(nameof(model), model, $"Not an attribution model; the models are {string.Join(", ", NamesInOrder)}.");

    /// <summary>Reads a model's name, exactly as <see cref="Format"/> writes it (lower case).</summary>
    /// <param name="name">The name; may be <see langword="null"/>.</param>
    /// <param name="model">The model named, or <see cref="AttributionModel.LastClick"/> when the name is not one.</param>
    /// <returns>Whether <paramref name="name"/> names a model.</returns>
    public static bool TryParse(string? name, out AttributionModel model)
    {
        var index = name is null ? -1 : Array.IndexOf(NamesInOrder, name);
        model = index < 0 ? AttributionModel.LastClick : (AttributionModel)index;
        return index >= 0;
    }

    /// <summary>Reads a model's name, exactly as <see cref="Format"/> writes it.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The model named.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="name"/> names no model; the message lists the names.</exception>
    public static AttributionModel Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryParse(name, out var model)
            ? model
            : throw new FormatException($"'{name}' is not an attribution model; the models are {string.Join(", ", NamesInOrder)}.");
    }
}
