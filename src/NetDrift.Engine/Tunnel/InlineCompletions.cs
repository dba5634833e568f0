using System.Net.Sockets;
using System.Reflection;

namespace NetDrift.Engine.Tunnel;

/// <summary>
/// Asks .NET to run a socket's completions on its epoll thread instead of queueing each one to the
/// thread pool: one thread hop fewer per socket operation. .NET keeps an internal
/// <c>Socket.PreferInlineCompletions</c> setter for exactly this (its DynamicDependency keeps it
/// reachable by reflection); where a runtime lacks it, nothing changes.
/// </summary>
internal static class InlineCompletions
{
    private static readonly Action<Socket, bool>? Setter = FindSetter();

    /// <summary>Whether this runtime has the setter.</summary>
    public static bool IsAvailable => Setter is not null;

    public static void Prefer(Socket socket)
    {
        if (Setter is null)
        {
            return;
        }
        try
        {
            Setter(socket, true);
        }
        catch (ObjectDisposedException)
        {
            // Closed by a racing stop: nothing to tune.
        }
    }

    private static Action<Socket, bool>? FindSetter()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }
        var setter = typeof(Socket).GetProperty("PreferInlineCompletions", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)?.GetSetMethod(nonPublic: true);
        if (setter is null || setter.GetParameters() is not [{ ParameterType: var type }] || type != typeof(bool))
        {
            return null;
        }
        try
        {
            return setter.CreateDelegate<Action<Socket, bool>>();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
