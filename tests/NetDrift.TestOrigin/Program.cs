// NetDrift.TestOrigin: the HTTP server that Pester traffic ends at.
//   dotnet NetDrift.TestOrigin.dll [--port <n>] [--ignore-stdin] [--tls-certificate-out <path>]
// Listens on 127.0.0.1 only (port 0 = a free port), with --tls-certificate-out over HTTPS with a
// fresh self-signed certificate written to <path> as PEM, prints "LISTENING <port>" once ready and
// nothing else on stdout. It stops on SIGTERM/Ctrl+C and when stdin closes, so an origin whose
// test process died (and took the write end of the pipe with it) never outlives the run.
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NetDrift.TestOrigin;

var options = OriginOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: NetDrift.TestOrigin [--port <0-65535>] [--ignore-stdin] [--tls-certificate-out <path>]");
    return 2;
}

var certificate = options.TlsCertificateOut is null ? null : SelfSignedCertificate.Create();
if (certificate is not null)
{
    File.WriteAllText(options.TlsCertificateOut!, certificate.ExportCertificatePem());
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
    {
        if (certificate is not null)
        {
            listen.UseHttps(certificate);
        }
    });
    // Throughput tests echo bodies far bigger than Kestrel's 30 MB default.
    kestrel.Limits.MaxRequestBodySize = null;
});

var app = builder.Build();
app.MapGet("/hello", () => Results.Text("hello from origin"));
app.MapGet("/bytes/{count:long}", OriginEndpoints.WriteBytesAsync);
app.MapPost("/echo", OriginEndpoints.EchoAsync);
app.MapGet("/headers", OriginEndpoints.ListHeaders);
app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
app.MapGet("/delay/{milliseconds:int}", async (int milliseconds, CancellationToken cancel) =>
{
    await Task.Delay(milliseconds, cancel);
    return Results.Text("delayed");
});

await app.StartAsync();

var address = app.Services.GetRequiredService<IServer>().Features
    .GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
Console.Out.WriteLine(FormattableString.Invariant($"LISTENING {new Uri(address).Port}"));
Console.Out.Flush();

if (!options.IgnoreStdin)
{
    _ = Task.Run(() =>
    {
        try
        {
            while (Console.In.ReadLine() is not null)
            {
            }
        }
        catch (IOException)
        {
        }

        app.Lifetime.StopApplication();
    });
}

await app.WaitForShutdownAsync();
return 0;
