using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

public sealed class RoutingLogTests
{
    [Fact(Timeout = 10_000)]
    public async Task Connect_FirstUpstreamFails_OneDebugLineNamesEveryTryAndTheServer()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var good = TestUpstreamProxy.Start();
        var closed = Loopback.ClosedPort();
        var config = ConfigLoader.Parse(TestProxies.Json(
            TestProxies.Upstream($"http://127.0.0.1:{closed}") + "," + TestProxies.Upstream(good.Url), """ "load_balancing": "round-robin", """));
        var lines = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(lines));
        await using var proxy = ProxyServer.Start("routing", config, loggerFactory: factory);

        using (var answer = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority))
        {
            Assert.Equal(200, answer.Status);
        }

        var route = Assert.Single(lines.Messages, m => m.StartsWith("Route for", StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{closed} failed (Refused", route, StringComparison.Ordinal);
        Assert.EndsWith($"served by {good.Name}", route, StringComparison.Ordinal);
    }
}
