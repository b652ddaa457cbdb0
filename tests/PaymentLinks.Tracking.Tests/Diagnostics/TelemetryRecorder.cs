using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PaymentLinks.Tracking.Tests.Diagnostics;

/// <summary>Listens to the library's Meter and ActivitySource as an exporter would, and keeps what they report.</summary>
internal sealed class TelemetryRecorder : IDisposable
{
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;

    public TelemetryRecorder()
    {
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PaymentLinkTrackingDiagnostics.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PaymentLinkTrackingDiagnostics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => Activities.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(_activities);
    }

    public ConcurrentQueue<Measurement> Measurements { get; } = new();

    public ConcurrentQueue<Activity> Activities { get; } = new();

    /// <summary>Reads the observable instruments now.</summary>
    public void Observe() => _meters.RecordObservableInstruments();

    public IReadOnlyList<Measurement> Of(string instrument) => [.. Measurements.Where(measurement => measurement.Instrument == instrument)];

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        Measurements.Enqueue(new Measurement(instrument.Name, instrument.Unit, value, tags.ToArray().ToDictionary(tag => tag.Key, tag => tag.Value)));

    internal sealed record Measurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags);
}
