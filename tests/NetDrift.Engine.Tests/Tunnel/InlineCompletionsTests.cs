using System.Net.Sockets;
using System.Reflection;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Tests.Tunnel;

public sealed class InlineCompletionsTests
{
    // Socket has only the setter; the socket's handle keeps the value its epoll context reads.
    private static bool ReadPreference(Socket socket) =>
        (bool)socket.SafeHandle.GetType().GetProperty("PreferInlineCompletions", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(socket.SafeHandle)!;

    [Fact]
    public void FindsTheRuntimesSetter_OnLinux()
    {
        Assert.Equal(OperatingSystem.IsLinux(), InlineCompletions.IsAvailable);
    }

    [Fact]
    public async Task Prefer_TurnsTheSocketsPreferenceOn_AndItStillMovesBytes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the setter is Unix-only; FindsTheRuntimesSetter covers the fallback
        }
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            Assert.False(ReadPreference(client)); // unless DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS is set
            InlineCompletions.Prefer(client);
            InlineCompletions.Prefer(server);
            Assert.True(ReadPreference(client));
            Assert.True(ReadPreference(server));
            await Loopback.SendTextAsync(client, "ping");
            Assert.Equal("ping"u8.ToArray(), await Loopback.ReadExactlyAsync(server, 4));
        }
    }
}
