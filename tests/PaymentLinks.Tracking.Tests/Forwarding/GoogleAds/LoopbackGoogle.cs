using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PaymentLinks.Tracking.Tests.StripeApi;

namespace PaymentLinks.Tracking.Tests.Forwarding.GoogleAds;

/// <summary>
/// Google's OAuth 2.0 token endpoint and the Data Manager API's <c>events:ingest</c> on one loopback server, answering
/// in their documented shapes. <c>/token</c> takes a service account's signed JWT assertion
/// (<c>grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer</c>), checks its RS256 signature against the key it knows
/// and its <c>scope</c>, and answers <c>{"access_token","expires_in","token_type":"Bearer"}</c>, or 400
/// <c>{"error":"invalid_grant","error_description":"Invalid JWT Signature."}</c>. <c>/v1/events:ingest</c> answers
/// <c>{"requestId"}</c> to a valid bearer token, 401 UNAUTHENTICATED otherwise, and 400 INVALID_ARGUMENT with a
/// BadRequest field violation for more than 2,000 events or an event carrying two click ids (google.rpc.Status bodies).
/// </summary>
internal sealed class LoopbackGoogle : IAsyncDisposable
{
    public const string OperatingAccountId = "1234567890";
    public const string ConversionActionId = "987654321";
    public const string ClientEmail = "forwarding@payment-links.iam.gserviceaccount.com";

    private readonly RSA _key = RSA.Create(2048);
    private readonly ConcurrentQueue<(RecordedRequest Request, int Status)> _ingested = new();
    private readonly ConcurrentDictionary<string, byte> _tokens = new();
    private readonly ConcurrentDictionary<string, RecordedConversion> _conversions = new();
    private int _ingestCount;
    private int _tokenCount;

    public LoopbackGoogle() => Server = new LoopbackStripeServer(AnswerAsync);

    public LoopbackStripeServer Server { get; }

    public Uri Endpoint => new(Server.ApiBase);

    public Uri TokenEndpoint => new(Server.ApiBase + "/token");

    /// <summary>How many access tokens were asked for.</summary>
    public int TokenRequests => _tokenCount;

    /// <summary>When set, called with the events:ingest request's number (from 1); an answer it gives replaces the usual one.</summary>
    public Func<int, RecordedRequest, StripeAnswer?>? Override { get; set; }

    /// <summary>As <see cref="Override"/>, answering when its task completes (a hang); asked first.</summary>
    public Func<int, RecordedRequest, Task<StripeAnswer?>>? OverrideAsync { get; set; }

    /// <summary>The events:ingest requests that reached the server, answered or not yet.</summary>
    public int IngestArrived => Server.Requests.Count(request => request.Path == "/v1/events:ingest");

    /// <summary>The events:ingest requests answered, with their status.</summary>
    public IReadOnlyList<(RecordedRequest Request, int Status)> Ingested => [.. _ingested];

    /// <summary>The bodies of the events:ingest requests answered 200, parsed.</summary>
    public IReadOnlyList<JsonObject> Accepted => [.. _ingested.Where(i => i.Status == 200).Select(i => JsonNode.Parse(i.Request.RawBody)!.AsObject())];

    /// <summary>
    /// The conversions recorded, by <c>transactionId</c>, as the Data Manager's adjustment guide describes them: the first
    /// event of a <c>transactionId</c> is a conversion; a later one is an adjustment that restates
    /// <c>conversionValue</c> and <c>currency</c> without counting another conversion. None from a <c>validateOnly</c> request.
    /// </summary>
    public IReadOnlyDictionary<string, RecordedConversion> Conversions => _conversions;

    /// <summary>A service account's JSON key, as Google Cloud's console downloads it, whose <c>token_uri</c> is this server's.</summary>
    public string ServiceAccountKey(bool knownToServer = true)
    {
        using var other = RSA.Create(2048);
        var pem = (knownToServer ? _key : other).ExportPkcs8PrivateKeyPem();
        return new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = "payment-links",
            ["private_key_id"] = "0123456789abcdef0123456789abcdef01234567",
            ["private_key"] = pem + "\n",
            ["client_email"] = ClientEmail,
            ["client_id"] = "123456789012345678901",
            ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
            ["token_uri"] = TokenEndpoint.AbsoluteUri,
        }.ToJsonString();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _key.Dispose();
    }

    private async Task<StripeAnswer> AnswerAsync(RecordedRequest request)
    {
        if (request.Path == "/token")
        {
            Interlocked.Increment(ref _tokenCount);
            return Token(request);
        }

        var number = Interlocked.Increment(ref _ingestCount);
        var answer = (OverrideAsync is { } later ? await later(number, request) : null) ?? Override?.Invoke(number, request) ?? Ingest(request);
        _ingested.Enqueue((request, answer.Status));
        return answer;
    }

    private StripeAnswer Token(RecordedRequest request)
    {
        var form = request.Form;
        var parts = (form["assertion"] ?? string.Empty).Split('.');
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || parts.Length != 3)
        {
            return new StripeAnswer(400, """{"error":"invalid_request","error_description":"Invalid grant_type or assertion."}""");
        }

        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!_key.VerifyData(signed, Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return new StripeAnswer(400, """{"error":"invalid_grant","error_description":"Invalid JWT Signature."}""");
        }

        var claims = JsonNode.Parse(Base64Url(parts[1]))!.AsObject();
        if ((string?)claims["iss"] != ClientEmail || (string?)claims["scope"] != "https://www.googleapis.com/auth/datamanager")
        {
            return new StripeAnswer(400, """{"error":"invalid_scope","error_description":"Invalid issuer or scope."}""");
        }

        var token = "ya29.loopback" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _tokens[token] = 0;
        return new StripeAnswer(200, $$"""{"access_token":"{{token}}","expires_in":3599,"token_type":"Bearer"}""");
    }

    private StripeAnswer Ingest(RecordedRequest request)
    {
        if (request.Path != "/v1/events:ingest" || request.Method != "POST")
        {
            return Status(404, "NOT_FOUND", "Method not found.");
        }

        if (!request.Headers.TryGetValue("Authorization", out var authorization) || !authorization.StartsWith("Bearer ", StringComparison.Ordinal)
            || !_tokens.ContainsKey(authorization["Bearer ".Length..]))
        {
            return Status(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
        }

        var body = JsonNode.Parse(request.RawBody)!.AsObject();
        var events = body["events"]!.AsArray();
        if (events.Count > 2000)
        {
            return Status(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", ("events", "At most 2000 events can be sent in a single request.", "TOO_MANY_EVENTS"));
        }

        for (var i = 0; i < events.Count; i++)
        {
            var ids = events[i]!["adIdentifiers"]?.AsObject();
            if (ids is not null && ids.Count(p => p.Key is "gclid" or "gbraid" or "wbraid") > 1)
            {
                return Status(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", ($"events[{i}].ad_identifiers", "Only one of gclid, gbraid and wbraid may be set.", "INVALID_EVENT"));
            }
        }

        if (body["validateOnly"]?.GetValue<bool>() != true)
        {
            foreach (var sent in events)
            {
                var value = sent!["conversionValue"]!.GetValue<decimal>();
                var currency = (string)sent["currency"]!;
                _conversions.AddOrUpdate(
                    (string)sent["transactionId"]!,
                    _ => new RecordedConversion(1, value, currency, 0),
                    (_, recorded) => recorded with { Value = value, Currency = currency, Adjustments = recorded.Adjustments + 1 });
            }
        }

        return new StripeAnswer(200, """{"requestId":"loopback-request-1"}""");
    }

    /// <summary>An error as Google's APIs write them: a google.rpc.Status with BadRequest, ErrorInfo and RequestInfo details.</summary>
    public static StripeAnswer Status(int code, string status, string message, params (string Field, string Description, string Reason)[] violations)
    {
        var details = new JsonArray();
        if (violations.Length > 0)
        {
            details.Add(new JsonObject
            {
                ["@type"] = "type.googleapis.com/google.rpc.BadRequest",
                ["fieldViolations"] = new JsonArray([.. violations.Select(v => (JsonNode)new JsonObject
                {
                    ["field"] = v.Field,
                    ["description"] = v.Description,
                    ["reason"] = v.Reason,
                })]),
            });
        }

        details.Add(new JsonObject
        {
            ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo",
            ["reason"] = violations.Length > 0 ? violations[0].Reason : status,
            ["domain"] = "datamanager.googleapis.com",
        });
        details.Add(new JsonObject { ["@type"] = "type.googleapis.com/google.rpc.RequestInfo", ["requestId"] = "loopback-failed-1" });
        return new StripeAnswer(code, new JsonObject
        {
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["status"] = status, ["details"] = details },
        }.ToJsonString());
    }

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }
}

/// <summary>A conversion as the loopback Data Manager keeps it: counted once, its value as last restated.</summary>
internal sealed record RecordedConversion(int Count, decimal Value, string Currency, int Adjustments);
