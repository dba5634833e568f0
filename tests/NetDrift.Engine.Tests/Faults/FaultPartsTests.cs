using System.Text;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Tests.Faults;

/// <summary>The small internal parts of the faulty proxy, without sockets.</summary>
public sealed class FaultPartsTests
{
    [Fact]
    public void ByteBudget_TakeBeyondRemaining_GrantsOnlyWhatIsLeft()
    {
        var budget = new ByteBudget(10);

        Assert.Equal(6, budget.Take(6));
        Assert.False(budget.IsSpent);
        Assert.Equal(4, budget.Take(6));
        Assert.True(budget.IsSpent);
        Assert.Equal(0, budget.Take(1));
    }

    [Fact]
    public void ByteBudget_ConcurrentTakers_NeverOverspend()
    {
        var budget = new ByteBudget(100_000);
        var granted = 0L;

        Parallel.For(0, 8, _ =>
        {
            int got;
            while ((got = budget.Take(7)) > 0)
            {
                Interlocked.Add(ref granted, got);
            }
        });

        Assert.Equal(100_000, granted);
    }

    [Fact]
    public void FaultDice_RateZeroAndOne_DecideWithoutRolling()
    {
        var random = new Random(1);
        var dice = new FaultDice(random);
        var next = new Random(1).NextDouble();

        Assert.False(dice.Strikes(0));
        Assert.True(dice.Strikes(1));
        Assert.Equal(next, random.NextDouble());
    }

    [Fact]
    public void FaultDice_Garbage_NeverLooksLikeHttp()
    {
        var dice = new FaultDice(new Random(3));
        for (var i = 0; i < 500; i++)
        {
            var bytes = dice.Garbage();
            Assert.InRange(bytes.Length, 64, 255);
            Assert.NotEqual((byte)'H', bytes[0]);
        }
    }

    [Fact]
    public void FaultDice_Jitter_StaysWithinMax()
    {
        var dice = new FaultDice(null);
        for (var i = 0; i < 100; i++)
        {
            Assert.InRange(dice.Jitter(TimeSpan.FromMilliseconds(50)), TimeSpan.Zero, TimeSpan.FromMilliseconds(50));
        }
        Assert.Equal(TimeSpan.Zero, dice.Jitter(TimeSpan.Zero));
    }

    [Fact]
    public void FaultResponses_ForStatus_WritesCodeAndReason()
    {
        var text = Encoding.ASCII.GetString(FaultResponses.ForStatus(503));

        Assert.StartsWith("HTTP/1.1 503 Service Unavailable\r\n", text);
        Assert.Contains("Connection: close\r\n", text);
    }

    [Fact]
    public void OriginFormRequest_DefaultPort_HostWithoutPort()
    {
        var request = Parse("POST http://example.com/a/b?c=d HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\nTE: trailers\r\n\r\n");

        var text = Encoding.Latin1.GetString(OriginFormRequest.Build(request));

        Assert.Equal("POST /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\nConnection: close\r\n\r\n", text);
    }

    [Fact]
    public void HopByHopHeaders_FramingNamedInConnection_IsKept()
    {
        var headers = Parse("GET http://h/ HTTP/1.1\r\nConnection: Content-Length, X-Private\r\nContent-Length: 0\r\nX-Private: 1\r\n\r\n").Headers;

        Assert.False(HopByHopHeaders.IsHopByHop("Content-Length", headers));
        Assert.True(HopByHopHeaders.IsHopByHop("x-private", headers));
        Assert.True(HopByHopHeaders.IsHopByHop("proxy-authorization", headers));
        Assert.False(HopByHopHeaders.IsHopByHop("Accept", headers));
    }

    [Theory]
    [InlineData(200, "OK")]
    [InlineData(407, "Proxy Authentication Required")]
    [InlineData(499, "Client Error")]
    [InlineData(150, "Informational")]
    public void ReasonPhrases_For_KnownAndUnknownCodes(int code, string reason) => Assert.Equal(reason, ReasonPhrases.For(code));

    private static RequestHead Parse(string head)
    {
        Assert.Equal(HeadParseError.None, HeadParser.TryParseRequest(Encoding.ASCII.GetBytes(head), 100, out var request));
        return request!;
    }
}
