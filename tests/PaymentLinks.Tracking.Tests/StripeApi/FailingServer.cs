using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PaymentLinks.Tracking.Tests.StripeApi;

/// <summary>
/// A server on 127.0.0.1 that does not answer as an HTTP server should: it reads the request and then either says
/// nothing, keeping the connection open, or writes bytes that are neither HTTP nor TLS.
/// </summary>
internal sealed class FailingServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly byte[]? _answer;
    private readonly Task _loop;

    private FailingServer(byte[]? answer)
    {
        _answer = answer;
        _listener.Start();
        _loop = AcceptAsync();
    }

    /// <summary>A server that accepts and reads, and never answers.</summary>
    public static FailingServer Silent() => new(answer: null);

    /// <summary>A server that answers every connection, an HTTPS one included, with plain text.</summary>
    public static FailingServer Garbage() => new(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nthis is not what was asked for\r\n\r\n"));

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The listener stopped.
        }

        lock (_connections)
        {
            _connections.ForEach(connection => connection.Dispose());
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var connection = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_connections)
            {
                _connections.Add(connection);
            }

            if (_answer is not null)
            {
                _ = Task.Run(async () =>
                {
                    var stream = connection.GetStream();
                    // Whatever the client sent first (a request line, a TLS hello) is enough to answer.
                    _ = await stream.ReadAsync(new byte[4096], _stop.Token);
                    await stream.WriteAsync(_answer, _stop.Token);
                    connection.Close();
                });
            }
        }
    }
}
