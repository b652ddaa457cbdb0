using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Web;
using Stripe;

namespace PaymentLinks.Tracking.Tests.StripeApi;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that answers like Stripe's API and records what
/// Stripe.net sent. One request per connection: every answer closes it.
/// </summary>
internal sealed class LoopbackStripeServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<RecordedRequest, Task<StripeAnswer>> _answer;
    private readonly Task _loop;

    public LoopbackStripeServer(Func<RecordedRequest, StripeAnswer> answer)
        : this(request => Task.FromResult(answer(request)))
    {
    }

    /// <summary>Answers each request when <paramref name="answer"/> completes: a slow or hanging server.</summary>
    public LoopbackStripeServer(Func<RecordedRequest, Task<StripeAnswer>> answer)
    {
        _answer = answer;
        _listener.Start();
        _loop = AcceptAsync();
    }

    /// <summary>Answers every request the same way.</summary>
    public LoopbackStripeServer(StripeAnswer answer)
        : this(_ => answer)
    {
    }

    public string ApiBase => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>A Stripe.net client aimed at this server; no retries unless asked, so that 429 answers stay fast.</summary>
    public StripeClient CreateClient(string apiKey, int maxNetworkRetries = 0) => CreateClient(ApiBase, apiKey, maxNetworkRetries);

    public static StripeClient CreateClient(string apiBase, string apiKey, int maxNetworkRetries = 0) => new(
        apiKey,
        httpClient: new SystemNetHttpClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, maxNetworkRetries, appInfo: null, enableTelemetry: false),
        apiBase: apiBase);

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

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(TcpClient socket)
    {
        using (socket)
        {
            var stream = socket.GetStream();
            var request = await ReadRequestAsync(stream);
            if (request is null)
            {
                return;
            }

            _requests.Enqueue(request);
            var answer = await _answer(request);
            var body = Encoding.UTF8.GetBytes(answer.Body);
            var head = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {answer.Status} {ReasonPhrase(answer.Status)}\r\n")
                .Append("Content-Type: application/json\r\n")
                .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n")
                .Append(CultureInfo.InvariantCulture, $"Request-Id: {answer.RequestId}\r\n")
                .Append("Connection: close\r\n");
            foreach (var (name, value) in answer.Headers)
            {
                head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
            }

            byte[] whole = [.. Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), .. body];
            await stream.WriteAsync(whole.AsMemory(0, Math.Min(whole.Length, answer.CutAfterBytes ?? whole.Length)));
        }
    }

    private static async Task<RecordedRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOfBlankLine(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0)
            {
                return null;
            }

            buffer.AddRange(chunk.AsSpan(0, read));
        }

        var lines = Encoding.ASCII.GetString([.. buffer.GetRange(0, headerEnd)]).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        var length = headers.TryGetValue("Content-Length", out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : 0;
        var body = buffer.Skip(headerEnd + 4).ToList();
        while (body.Count < length)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0)
            {
                break;
            }

            body.AddRange(chunk.AsSpan(0, read));
        }

        return new RecordedRequest(requestLine[0], requestLine[1], headers, Encoding.UTF8.GetString([.. body]));
    }

    private static int IndexOfBlankLine(List<byte> buffer)
    {
        for (var i = 0; i + 3 < buffer.Count; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Status",
    };
}

/// <summary>A request as the server received it.</summary>
internal sealed class RecordedRequest(string method, string target, IReadOnlyDictionary<string, string> headers, string body)
{
    public string Method { get; } = method;

    /// <summary>The path and query as sent, e.g. <c>/v1/checkout/sessions/cs_test_1?expand[0]=customer</c>.</summary>
    public string Target { get; } = target;

    public string Path => Target.Split('?')[0];

    /// <summary>The query, form-decoded.</summary>
    public NameValueCollection Query => HttpUtility.ParseQueryString(Target.Contains('?', StringComparison.Ordinal) ? Target[(Target.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty);

    public IReadOnlyDictionary<string, string> Headers { get; } = headers;

    /// <summary>The body as sent, still form-encoded.</summary>
    public string RawBody { get; } = body;

    /// <summary>The body, form-decoded as Stripe's server decodes it.</summary>
    public NameValueCollection Form => HttpUtility.ParseQueryString(RawBody);
}

/// <summary>What the server answers.</summary>
internal sealed record StripeAnswer(int Status, string Body)
{
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public string RequestId { get; init; } = "req_loopback1";

    /// <summary>When set, the server sends only this many bytes of the answer (0: none) and closes the connection.</summary>
    public int? CutAfterBytes { get; init; }

    public static StripeAnswer Ok(string json) => new(200, json);

    /// <summary>An error shaped as Stripe shapes them: <c>{"error": {"type", "code", "message"}}</c>.</summary>
    public static StripeAnswer Error(int status, string type, string? code, string message) => new(
        status,
        new System.Text.Json.Nodes.JsonObject
        {
            ["error"] = new System.Text.Json.Nodes.JsonObject
            {
                ["type"] = type,
                ["code"] = code,
                ["message"] = message,
                ["request_log_url"] = "https://dashboard.stripe.com/test/logs/req_loopback1",
            },
        }.ToJsonString());
}
