using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Http;

/// <summary>
/// Property tests of the parsers (issue 7, point 5), deterministic and bounded: random bytes and
/// mutations of valid heads never make HeadParser, BodyFraming or the chunk-size parser throw;
/// no accepted head has more header lines than the limit; SocketInput never hands
/// back a head longer than their byte limit.
/// </summary>
public sealed class ParserPropertyTests
{
    private const int Inputs = 20_000;
    private const int MaxHeaders = 8;

    private static readonly string[] ValidHeads =
    [
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: Basic dTpw\r\n\r\n",
        "GET http://example.com/a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
        "POST http://example.com/echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n",
        "PUT http://[::1]:8080/x HTTP/1.0\nContent-Length: 12\nContent-Length: 12\n\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\n",
        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.0 204 \r\n\r\n",
    ];

    // Bytes HTTP heads are made of, weighted towards the ones parsers branch on.
    private static readonly byte[] Alphabet = Encoding.ASCII.GetBytes("\r\n\r\n::  \t/HTTP1.0CONNECTGEThttp[]@%;,=-0123456789abcdefABCDEF\"*?#") .Concat(new byte[] { 0, 0x7F, 0x80, 0xFF, 0x0B }).ToArray();

    [Fact]
    public void RandomAndMutatedHeads_NeverThrow_NeverExceedHeaderLimit()
    {
        var random = new Random(20250601);
        var accepted = 0;
        for (var i = 0; i < Inputs; i++)
        {
            var input = (i % 3) switch
            {
                0 => RandomBytes(random),
                1 => RandomBytes(random, Alphabet),
                _ => Mutate(random, Encoding.Latin1.GetBytes(ValidHeads[random.Next(ValidHeads.Length)])),
            };
            accepted += Check(input, MaxHeaders);
        }
        // The mutations keep enough heads valid that acceptance paths are exercised too.
        Assert.True(accepted > Inputs / 20, $"only {accepted} of {Inputs} inputs parsed");
    }

    [Fact]
    public void HeadsAroundTheHeaderCountLimit_AcceptedExactlyUpToIt()
    {
        var random = new Random(7);
        for (var n = 0; n <= MaxHeaders + 3; n++)
        {
            for (var trial = 0; trial < 20; trial++)
            {
                var lines = string.Concat(Enumerable.Range(0, n).Select(k => $"X-H{k}-{random.Next(1000)}: v{random.Next()}\r\n"));
                var request = Encoding.ASCII.GetBytes($"GET http://a.example/ HTTP/1.1\r\n{lines}\r\n");
                var response = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\n{lines}\r\n");
                var requestError = HeadParser.TryParseRequest(request, MaxHeaders, out var parsedRequest);
                var responseError = HeadParser.TryParseResponse(response, MaxHeaders, out var parsedResponse);
                if (n <= MaxHeaders)
                {
                    Assert.Equal(HeadParseError.None, requestError);
                    Assert.Equal(n, parsedRequest!.Headers.Count);
                    Assert.Equal(HeadParseError.None, responseError);
                    Assert.Equal(n, parsedResponse!.Headers.Count);
                }
                else
                {
                    Assert.Equal(HeadParseError.TooLarge, requestError);
                    Assert.Null(parsedRequest);
                    Assert.Equal(HeadParseError.TooLarge, responseError);
                    Assert.Null(parsedResponse);
                }
            }
        }
    }

    [Fact]
    public void RandomChunkSizeLines_NeverThrow_SizeNeverNegative()
    {
        var random = new Random(99);
        var hex = Encoding.ASCII.GetBytes("0123456789abcdefABCDEF;= \t\r\nxz\"");
        for (var i = 0; i < Inputs; i++)
        {
            var line = RandomBytes(random, i % 2 == 0 ? hex : Alphabet, 40).Append((byte)'\n').ToArray();
            if (ChunkedDecoder.TryParseSizeLine(line.AsSpan(0, line.Length - 1), out var size))
            {
                Assert.InRange(size, 0, long.MaxValue);
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task SocketInput_NeverAcceptsMoreThanMaxBytes()
    {
        var random = new Random(4242);
        const int maxBytes = 1024;
        for (var i = 0; i < 150; i++)
        {
            // A head whose terminator lands just under, at or just over the limit.
            var length = maxBytes - 40 + random.Next(80);
            var head = new byte[length];
            var prefix = "GET http://a/ HTTP/1.1\r\nX: "u8;
            prefix.CopyTo(head);
            for (var k = prefix.Length; k < length - 4; k++)
            {
                head[k] = (byte)random.Next('a', 'z' + 1);
            }
            "\r\n\r\n"u8.CopyTo(head.AsSpan(length - 4));
            var trailing = RandomBytes(random, Alphabet, 200);
            var wire = head.Concat(trailing).ToArray();
            var split = random.Next(1, wire.Length);

            var (client, server) = await Loopback.CreatePairAsync();
            using (client)
            using (server)
            {
                // Both ways of waiting: with a buffer at once (an upstream's answer) and without one first (a client).
                var reading = ReadWithSocketInput(server, maxBytes, expectSoon: i % 2 == 0);
                await Loopback.SendAllAsync(client, wire.AsMemory(0, split));
                await Task.Delay(random.Next(3));
                await Loopback.SendAllAsync(client, wire.AsMemory(split));
                client.Shutdown(SocketShutdown.Send);
                var (status, headLength) = await reading;
                if (status == HeadReadStatus.Complete)
                {
                    Assert.True(headLength <= maxBytes, $"accepted {headLength} > {maxBytes} bytes");
                    Assert.True(length <= maxBytes);
                }
                else
                {
                    Assert.True(length > maxBytes, $"refused a {length}-byte head ({status})");
                    Assert.Equal(HeadReadStatus.TooLarge, status);
                }
            }
        }
    }

    private static async Task<(HeadReadStatus, int)> ReadWithSocketInput(Socket socket, int maxBytes, bool expectSoon)
    {
        using var input = new SocketInput(socket);
        return await input.ReadHeadAsync(maxBytes, TimeSpan.FromSeconds(5), CancellationToken.None, expectSoon);
    }

    /// <summary>Runs every parser over one input; 1 when it parsed as a request or response.</summary>
    internal static int Check(byte[] input, int maxHeaders)
    {
        var end = HeadParser.FindHeadEnd(input);
        Assert.InRange(end, -1, input.Length);
        var head = end > 0 ? input.AsSpan(0, end) : input.AsSpan();
        var parsed = 0;
        if (HeadParser.TryParseRequest(head, maxHeaders, out var request) == HeadParseError.None)
        {
            Assert.NotNull(request);
            Assert.True(request.Headers.Count <= maxHeaders);
            _ = BodyFraming.ForRequest(request.Headers);
            parsed = 1;
        }
        else
        {
            Assert.Null(request);
        }
        if (HeadParser.TryParseResponse(head, maxHeaders, out var response) == HeadParseError.None)
        {
            Assert.NotNull(response);
            Assert.True(response.Headers.Count <= maxHeaders);
            _ = BodyFraming.ForResponse("GET", response.StatusCode, response.Headers);
            _ = BodyFraming.ForResponse("HEAD", response.StatusCode, response.Headers);
            parsed = 1;
        }
        else
        {
            Assert.Null(response);
        }
        var lf = input.AsSpan().IndexOf((byte)'\n');
        if (lf >= 0)
        {
            _ = ChunkedDecoder.TryParseSizeLine(input.AsSpan(0, lf), out _);
        }
        return parsed;
    }

    private static byte[] RandomBytes(Random random, byte[]? alphabet = null, int maxLength = 600)
    {
        var bytes = new byte[random.Next(maxLength + 1)];
        if (alphabet is null)
        {
            random.NextBytes(bytes);
        }
        else
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = alphabet[random.Next(alphabet.Length)];
            }
        }
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] valid)
    {
        var bytes = new List<byte>(valid);
        var mutations = 1 + random.Next(3);
        for (var m = 0; m < mutations && bytes.Count > 0; m++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes.Insert(at, Alphabet[random.Next(Alphabet.Length)]); break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                case 4: // duplicate a header line many times: the count limit must hold
                    var text = Encoding.Latin1.GetString(bytes.ToArray());
                    var lines = text.Split('\n');
                    if (lines.Length > 2)
                    {
                        var line = lines[1 + random.Next(lines.Length - 2)];
                        var copies = string.Concat(Enumerable.Repeat(line + "\n", random.Next(1, MaxHeaders * 2)));
                        text = text.Insert(text.IndexOf('\n') + 1, copies);
                        bytes = new List<byte>(Encoding.Latin1.GetBytes(text));
                    }
                    break;
                case 5: bytes.Insert(at, (byte)'\n'); break;
                default: bytes[at] = Alphabet[random.Next(Alphabet.Length)]; break;
            }
        }
        return bytes.ToArray();
    }
}
