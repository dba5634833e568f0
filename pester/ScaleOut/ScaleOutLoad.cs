// The load the two-instance test runs through HAProxy: plain GETs (one connection each) and HTTPS
// GETs (a CONNECT tunnel each), from a chosen loopback source address so NetDrift can only learn
// the client from HAProxy's PROXY header. Bounded in count and time; every failure is kept.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

public sealed class ScaleOutLoad
{
    readonly ConcurrentQueue<string> _failures = new();
    readonly ConcurrentDictionary<string, ConcurrentDictionary<string, int>> _upstreamsByUser = new();
    long _plain, _tunnels;

    public long Plain => Interlocked.Read(ref _plain);
    public long Tunnels => Interlocked.Read(ref _tunnels);
    public string[] Failures => _failures.ToArray();

    /// <summary>User → the upstreams (X-NetDrift-Upstream) that served its plain requests.</summary>
    public IDictionary<string, string[]> UpstreamsByUser()
    {
        var result = new Dictionary<string, string[]>();
        foreach (var (user, seen) in _upstreamsByUser) result[user] = new List<string>(seen.Keys).ToArray();
        return result;
    }

    /// <summary>
    /// Runs <paramref name="workers"/> loops until <paramref name="stop"/> is cancelled, each request
    /// count reaches <paramref name="maxRequests"/>, or <paramref name="maxTime"/> passes.
    /// Users take turns; each request is a new TCP connection to the balancer.
    /// </summary>
    public Task RunAsync(string balancerHost, int balancerPort, string sourceAddress, string[] users, string password,
        string plainUrl, string tlsUrl, int workers, int maxRequests, TimeSpan maxTime, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + maxTime;
        long issued = 0;
        var source = IPAddress.Parse(sourceAddress);
        var loops = new List<Task>();
        for (var w = 0; w < workers; w++)
        {
            loops.Add(Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested && DateTime.UtcNow < deadline)
                {
                    var n = Interlocked.Increment(ref issued);
                    if (n > maxRequests) return;
                    var user = users[n % users.Length];
                    var tunnel = n % 2 == 0;
                    await OneAsync(balancerHost, balancerPort, source, user, password, tunnel ? tlsUrl : plainUrl, tunnel);
                }
            }));
        }
        return Task.WhenAll(loops);
    }

    async Task OneAsync(string host, int port, IPAddress source, string user, string password, string url, bool tunnel)
    {
        using var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(new Uri($"http://{host}:{port}")) { Credentials = new NetworkCredential(user, password) },
            PreAuthenticate = true,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch { socket.Dispose(); throw; }
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        // The proxy answers 407 to a request without credentials; send them up front.
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}"));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.ConnectionClose = true;
        if (!tunnel) request.Headers.TryAddWithoutValidation("Proxy-Authorization", $"Basic {basic}");
        try
        {
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            if ((int)response.StatusCode != 200) { _failures.Enqueue($"{url} as {user}: {(int)response.StatusCode}"); return; }
            if (tunnel) Interlocked.Increment(ref _tunnels);
            else
            {
                Interlocked.Increment(ref _plain);
                if (response.Headers.TryGetValues("X-NetDrift-Upstream", out var names))
                    foreach (var name in names) _upstreamsByUser.GetOrAdd(user, _ => new()).TryAdd(name, 0);
                else _failures.Enqueue($"{url} as {user}: no X-NetDrift-Upstream");
            }
        }
        catch (Exception e) { _failures.Enqueue($"{url} as {user}: {e.GetType().Name}: {e.GetBaseException().Message}"); }
    }
}
