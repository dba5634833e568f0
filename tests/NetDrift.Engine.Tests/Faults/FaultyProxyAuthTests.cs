using NetDrift.Engine.Faults;
using NetDrift.Engine.Tests.TestSupport;
using static NetDrift.Engine.Tests.TestSupport.ProxyClient;

namespace NetDrift.Engine.Tests.Faults;

public sealed class FaultyProxyAuthTests : IAsyncLifetime
{
    private readonly LoopbackOrigin _echo = LoopbackOrigin.StartEcho();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _echo.DisposeAsync();

    [Fact]
    public async Task Connect_NoCredentials_Answers407WithChallenge()
    {
        await using var proxy = Start(FaultType.None);
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        var head = await ConnectThroughAsync(socket, _echo.Port);

        Assert.Equal(407, head.StatusCode);
        Assert.Equal("Basic realm=\"NetDrift\"", head.Headers.Get("Proxy-Authenticate"));
    }

    [Theory]
    [InlineData("tester", "wrong")]
    [InlineData("other", "s3cret")]
    [InlineData("tester", "")]
    public async Task Connect_WrongCredentials_Answers407(string user, string password)
    {
        await using var proxy = Start(FaultType.None);
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        var head = await ConnectThroughAsync(socket, _echo.Port, Basic(user, password));

        Assert.Equal(407, head.StatusCode);
    }

    [Fact]
    public async Task Connect_NotBasicScheme_Answers407()
    {
        await using var proxy = Start(FaultType.None);
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        var head = await ConnectThroughAsync(socket, _echo.Port, "Bearer abc");

        Assert.Equal(407, head.StatusCode);
    }

    [Fact]
    public async Task Connect_RightCredentials_Tunnels()
    {
        await using var proxy = Start(FaultType.None);
        using var tunnel = await OpenTunnelAsync(proxy.Port, _echo.Port, Basic("tester", "s3cret"));

        await AssertEchoesAsync(tunnel, "authorised");
    }

    [Fact]
    public async Task Connect_StatusFaultWithoutCredentials_Answers407First()
    {
        await using var proxy = Start(FaultType.Status);
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        var head = await ConnectThroughAsync(socket, _echo.Port);

        Assert.Equal(407, head.StatusCode);
    }

    [Fact]
    public async Task Connect_StatusFaultWithRightCredentials_AnswersStatus()
    {
        await using var proxy = Start(FaultType.Status);
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        var head = await ConnectThroughAsync(socket, _echo.Port, Basic("tester", "s3cret"));

        Assert.Equal(503, head.StatusCode);
    }

    private static FaultyProxy Start(FaultType fault) => FaultyProxy.Start("auth-" + fault,
        new FaultyProxyOptions { Fault = fault, UserName = "tester", Password = "s3cret" });
}
