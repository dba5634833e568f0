using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Upstreams;

/// <summary>CONTRACT §7 and §8 for SOCKS5: whose fault each reply code is, and which reply each of NetDrift's statuses is.</summary>
public sealed class Socks5ReplyBlameTests
{
    [Theory]
    [InlineData(0x01, FailureCause.UpstreamStatus)]
    [InlineData(0x02, FailureCause.UpstreamStatus)]
    [InlineData(0x03, FailureCause.TargetUnreachable)]
    [InlineData(0x04, FailureCause.TargetUnreachable)]
    [InlineData(0x05, FailureCause.TargetUnreachable)]
    [InlineData(0x06, FailureCause.TargetUnreachable)]
    [InlineData(0x07, FailureCause.UpstreamStatus)]
    [InlineData(0x08, FailureCause.UpstreamStatus)]
    [InlineData(0x09, FailureCause.UpstreamStatus)]
    [InlineData(0xFF, FailureCause.UpstreamStatus)]
    public void Of_ReplyCode_BlamesTargetOnlyForTargetCodes(byte code, FailureCause expected) =>
        Assert.Equal(expected, Socks5ReplyBlame.Of(code));

    [Theory]
    [InlineData(0x03, 502)]
    [InlineData(0x04, 502)]
    [InlineData(0x05, 502)]
    [InlineData(0x06, 504)]
    public void TargetStatus_TtlIsATimeout_RestBadGateway(byte code, int status) =>
        Assert.Equal(status, Socks5ReplyBlame.TargetStatus(code));

    [Theory]
    [InlineData(403, null, 0x02)]
    [InlineData(429, null, 0x02)]
    [InlineData(502, null, 0x04)]
    [InlineData(502, (byte)0x05, 0x05)]
    [InlineData(502, (byte)0x03, 0x03)]
    [InlineData(503, null, 0x01)]
    [InlineData(503, (byte)0x05, 0x01)]
    [InlineData(504, null, 0x06)]
    [InlineData(400, null, 0x01)]
    public void Socks5ReplyForStatus_MapsNetDriftsAnswers(int status, byte? upstreamCode, byte expected) =>
        Assert.Equal(expected, Socks5ReplyForStatus.Of(status, upstreamCode));
}
