using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Http;

/// <summary>
/// Chunked bodies through BodyCopier over real loopback sockets: every smuggling and "funky chunks"
/// variant (bare LF/CR terminators, extension tricks, trailer lines that are not fields) stops the
/// copy as Malformed, and what is accepted leaves re-framed by NetDrift, never as the sender's lines.
/// </summary>
public sealed class ChunkedDecoderTests
{
    private static async Task<(BodyCopyResult Result, string Output)> CopyAsync(string body, bool decode = false)
    {
        var (inWriter, inReader) = await Loopback.CreatePairAsync();
        var (outWriter, outReader) = await Loopback.CreatePairAsync();
        using (inWriter)
        using (inReader)
        using (outReader)
        using (var input = new SocketInput(inReader))
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await Loopback.SendAllAsync(inWriter, Encoding.Latin1.GetBytes(body));
            inWriter.Shutdown(SocketShutdown.Send);
            BodyCopyResult result;
            using (outWriter)
            {
                result = await BodyCopier.CopyAsync(input, outWriter, new BodyFraming(BodyKind.Chunked, -1), _ => { }, null, timeout.Token, decode);
                outWriter.Shutdown(SocketShutdown.Send);
            }
            var (data, _) = await Loopback.ReadToEndAsync(outReader);
            return (result, Encoding.Latin1.GetString(data));
        }
    }

    [Theory(Timeout = 10_000)]
    // chunk size: hex digits only
    [InlineData("0x5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("+5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("-5\r\nhello\r\n0\r\n\r\n")]
    [InlineData(" 5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5 \r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\t\r\nhello\r\n0\r\n\r\n")]
    [InlineData("\r\nhello\r\n0\r\n\r\n")]
    [InlineData("zz\r\nhello\r\n0\r\n\r\n")]
    [InlineData("1000000000000000\r\nhello\r\n0\r\n\r\n")]
    [InlineData("ffffffffffffffffff\r\nhello\r\n0\r\n\r\n")]
    // bare LF / bare CR as line terminators (TERM variants)
    [InlineData("5\nhello\r\n0\r\n\r\n")]
    [InlineData("5\rhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhello\n0\r\n\r\n")]
    [InlineData("5\r\nhello\r0\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\n\n")]
    [InlineData("5\r\nhello\r\n0\r\n\rX")]
    // missing CRLF after data (a desync by length)
    [InlineData("5\r\nhelloXY0\r\n\r\n")]
    [InlineData("3\r\nhello\r\n0\r\n\r\n")]
    // chunk extensions (EXT variants): LF/CR/controls inside, not token=value, oversized
    [InlineData("5;a\nb\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;a\rb\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;a=\"x\ny\"\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;a=\"x\u0001\"\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;=v\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;a=\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;a=\"open\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5 ;a=b\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;a b\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5junk\r\nhello\r\n0\r\n\r\n")]
    // the last chunk with junk, trailer lines that are not fields
    [InlineData("5\r\nhello\r\n0junk\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\nx\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\nx\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\n: v\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\nA B: v\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\nX: a\r\n folded\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\nX: a\u0001b\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\nGET / HTTP/1.1\r\n\r\n")]
    public async Task MalformedChunkedBody_Malformed_LastChunkNeverForwarded(string body)
    {
        var (result, output) = await CopyAsync(body);

        Assert.Equal(BodyCopyResult.Malformed, result);
        Assert.DoesNotContain("0\r\n\r\n", output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task OversizedExtension_Malformed()
    {
        var (result, _) = await CopyAsync($"5;a={new string('x', ChunkedDecoder.MaxExtensionBytes)}\r\nhello\r\n0\r\n\r\n");

        Assert.Equal(BodyCopyResult.Malformed, result);
    }

    [Fact(Timeout = 10_000)]
    public async Task OversizedTrailers_Malformed()
    {
        var trailers = string.Concat(Enumerable.Range(0, 40).Select(i => $"X-{i}: {new string('v', 1000)}\r\n"));

        var (result, _) = await CopyAsync("5\r\nhello\r\n0\r\n" + trailers + "\r\n");

        Assert.Equal(BodyCopyResult.Malformed, result);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("5\r\nhello\r\n0\r\n\r\n", "5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("0005;a=b;c;d=\"q \\\" \t\"\r\nhello\r\nA\r\n0123456789\r\n0\r\n\r\n", "5\r\nhello\r\na\r\n0123456789\r\n0\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0;last=1\r\nX-A:  1 \r\nX-B:2\r\n\r\n", "5\r\nhello\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n")]
    [InlineData("0\r\n\r\n", "0\r\n\r\n")]
    public async Task ValidChunkedBody_ReframedByNetDrift(string body, string expected)
    {
        var (result, output) = await CopyAsync(body);

        Assert.Equal(BodyCopyResult.Completed, result);
        Assert.Equal(expected, output);
    }

    [Fact(Timeout = 10_000)]
    public async Task ValidChunkedBody_Decoded_DataOnly()
    {
        var (result, output) = await CopyAsync("5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n", decode: true);

        Assert.Equal(BodyCopyResult.Completed, result);
        Assert.Equal("hello world", output);
    }

    [Fact(Timeout = 10_000)]
    public async Task TruncatedChunkedBody_SourceClosed()
    {
        var (result, _) = await CopyAsync("5\r\nhel");

        Assert.Equal(BodyCopyResult.SourceClosed, result);
    }
}
