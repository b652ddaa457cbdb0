using System.Globalization;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// A progress bar for a terminal's standard error, redrawn in place a few times a second; a run shorter than one
/// redraw interval never shows it. Made only when standard error is a terminal, so it never lands in a file.
/// </summary>
internal sealed class BulkProgress(TextWriter terminal, long totalBytes, TimeProvider time)
{
    public static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(250);

    private const int Width = 30;
    private const int RowsBetweenClockReads = 1024;

    private long _lastDrawn = time.GetTimestamp();
    private int _drawnLength;

    public void Report(long rows, long bytesRead)
    {
        if (rows % RowsBetweenClockReads != 0)
        {
            return;
        }

        var now = time.GetTimestamp();
        if (time.GetElapsedTime(_lastDrawn, now) < RedrawInterval)
        {
            return;
        }

        _lastDrawn = now;
        var done = totalBytes <= 0 ? 1.0 : Math.Clamp((double)bytesRead / totalBytes, 0.0, 1.0);
        var filled = (int)(done * Width);
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"bulk [{new string('#', filled)}{new string('-', Width - filled)}] {done * 100,3:0}%  {rows:N0} rows");
        terminal.Write('\r' + line.PadRight(_drawnLength));
        terminal.Flush();
        _drawnLength = line.Length;
    }

    /// <summary>Clears the bar, so that the summary starts on a clean line.</summary>
    public void Finish()
    {
        if (_drawnLength > 0)
        {
            terminal.Write('\r' + new string(' ', _drawnLength) + '\r');
            terminal.Flush();
            _drawnLength = 0;
        }
    }
}
