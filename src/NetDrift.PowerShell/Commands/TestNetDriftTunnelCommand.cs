using System.Management.Automation;
using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Tunnel;
using NetDrift.PowerShell.Completion;
using NetDrift.PowerShell.Session;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// Opens CONNECT tunnels through any HTTP, HTTPS (TLS to the proxy) or SOCKS5 proxy with raw sockets (loopback targets work), optionally
/// sends bytes and reads the answer; one TunnelResult per attempt.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "NetDriftTunnel")]
[OutputType(typeof(TunnelResult))]
public sealed class TestNetDriftTunnelCommand : PSCmdlet
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>A proxy URL (http://, https:// or socks5://host:port), a NetDrift.ProxyInfo or FaultyProxyInfo, or the name of a running one.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(TunnelProxyCompleter))]
    public object Proxy { get; set; } = "";

    /// <summary>host:port to CONNECT to.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Target { get; set; } = "";

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateRange(1, 100_000)]
    public int Count { get; set; } = 1;

    [Parameter]
    [ValidateRange(1, 1000)]
    public int Concurrency { get; set; } = 1;

    /// <summary>Text (sent as UTF-8; `n line ends become CRLF) or bytes to send through each tunnel.</summary>
    [Parameter]
    public object? Send { get; set; }

    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An https:// proxy's certificate is not checked (as Invoke-WebRequest's parameter of that name).</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    protected override void ProcessRecord()
    {
        var (host, port, socks5, tls) = ResolveProxy();
        var payload = Send switch
        {
            null => null,
            PSObject { BaseObject: byte[] b } => b,
            byte[] b => b,
            PSObject { BaseObject: string s } => Encoding.UTF8.GetBytes(s.ReplaceLineEndings("\r\n")),
            string s => Encoding.UTF8.GetBytes(s.ReplaceLineEndings("\r\n")),
            var other => Encoding.UTF8.GetBytes(other.ToString()!),
        };
        BasicCredentials? credentials = Credential is null ? null : new BasicCredentials(Credential.UserName, Credential.GetNetworkCredential().Password);
        var results = new TunnelProbeResult[Count];
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(Concurrency, Count)).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < Count && !_stop.IsCancellationRequested)
            {
                results[index] = await TunnelProbe.RunAsync(host, port, Target, credentials, payload, Timeout, _stop.Token, socks5, tls).ConfigureAwait(false);
            }
        }).ToArray();
        try
        {
            Task.WaitAll(workers);
        }
        catch (AggregateException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        for (var i = 0; i < Count; i++)
        {
            if (results[i] is { } result)
            {
                WriteObject(TunnelResult.From(i + 1, result));
            }
        }
    }

    protected override void StopProcessing() => _stop.Cancel();

    private (string Host, int Port, bool Socks5, TunnelProbeTls? Tls) ResolveProxy()
    {
        var value = Proxy is PSObject wrapped ? wrapped.BaseObject : Proxy;
        // A faulty proxy of this session vouches for its own self-signed certificate.
        var certificatePath = value switch
        {
            FaultyProxyInfo faulty => faulty.CertificatePath,
            string name when !name.Contains("://", StringComparison.Ordinal) && NetDriftSession.FindFaultyProxy(name) is { } faulty => faulty.CertificatePath,
            _ => null,
        };
        var url = value switch
        {
            ProxyInfo info => info.Url,
            FaultyProxyInfo faulty => faulty.Url,
            Uri uri => uri.ToString(),
            string name when !name.Contains("://", StringComparison.Ordinal) && NetDriftSession.FindProxy(name) is { } running => running.Url,
            string name when !name.Contains("://", StringComparison.Ordinal) && NetDriftSession.FindFaultyProxy(name) is { } faulty => faulty.Url,
            _ => value?.ToString() ?? "",
        };
        if (!url.Contains("://", StringComparison.Ordinal))
        {
            url = "http://" + url;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https" or "socks5" or "socks5h") || parsed.Port <= 0)
        {
            ThrowTerminatingError(CmdletErrors.Record(ErrorIds.InvalidProxyUrl, ErrorCategory.InvalidArgument, Proxy,
                $"-Proxy '{url}' is not an http://, https:// or socks5://host:port proxy URL, a ProxyInfo, or the name of a running proxy."));
        }
        TunnelProbeTls? tls = null;
        if (parsed!.Scheme == Uri.UriSchemeHttps)
        {
            var trusted = certificatePath is null ? null : new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            trusted?.ImportFromPemFile(certificatePath!);
            tls = new TunnelProbeTls(SkipCertificateCheck, trusted);
        }
        return (parsed.IdnHost.Trim('[', ']'), parsed.Port, parsed.Scheme is "socks5" or "socks5h", tls);
    }
}
