using System.Globalization;
using System.Net;
using System.Text;

namespace NetDrift.LoadGen;

/// <summary>Bad arguments: Program prints the message and the usage on stderr and exits 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The <c>--name value</c> pairs after the mode, with typed getters that validate as they read.
/// Each mode reads what it knows, then <see cref="RejectUnknown"/> turns a typo into exit 2
/// instead of a silently ignored option.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public static CommandLine Parse(ReadOnlySpan<string> args)
    {
        var line = new CommandLine();
        for (var i = 0; i < args.Length; i += 2)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || name.Length < 3)
            {
                throw new UsageException($"Expected an option such as --port, got '{name}'.");
            }
            if (i + 1 >= args.Length)
            {
                throw new UsageException($"Option {name} needs a value.");
            }
            if (!line._values.TryAdd(name[2..], args[i + 1]))
            {
                throw new UsageException($"Option {name} is given twice.");
            }
        }
        return line;
    }

    public string? Optional(string name)
    {
        _read.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public string Required(string name) =>
        Optional(name) ?? throw new UsageException($"Option --{name} is required.");

    /// <param name="fallback">Null makes the option required.</param>
    public long Integer(string name, long? fallback, long min, long max)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback ?? throw new UsageException($"Option --{name} is required.");
        }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"Option --{name} must be a whole number from {min} to {max}, got '{text}'.");
        }
        return value;
    }

    public int Int32(string name, int? fallback, int min, int max) => (int)Integer(name, fallback, min, max);

    /// <param name="fallback">Null makes the option required.</param>
    public TimeSpan Seconds(string name, double? fallback, double min, double max)
    {
        var text = Optional(name);
        double value;
        if (text is null)
        {
            value = fallback ?? throw new UsageException($"Option --{name} is required.");
        }
        else if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            throw new UsageException($"Option --{name} must be seconds from {min} to {max}, got '{text}'.");
        }
        return TimeSpan.FromSeconds(value);
    }

    public bool OnOff(string name) => Required(name) switch
    {
        "on" => true,
        "off" => false,
        var other => throw new UsageException($"Option --{name} must be on or off, got '{other}'."),
    };

    /// <summary>A loopback <c>host:port</c> to dial (127.0.0.1, [::1] or localhost).</summary>
    public IPEndPoint LoopbackEndPoint(string name) => ParseLoopback(name, Required(name));

    /// <summary>A loopback <c>host:port</c> kept as written, for the proxy to dial (a CONNECT target, a Host header).</summary>
    public string LoopbackAuthority(string name)
    {
        var text = Required(name);
        ParseLoopback(name, text);
        return text;
    }

    /// <summary>An http:// URL on a loopback host.</summary>
    public Uri LoopbackUrl(string name)
    {
        var text = Required(name);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp)
        {
            throw new UsageException($"Option --{name} must be an http:// URL, got '{text}'.");
        }
        if (!url.IsLoopback)
        {
            throw new UsageException($"Option --{name} must name a loopback host: all benchmark traffic stays on this machine.");
        }
        return url;
    }

    /// <summary>The <c>Proxy-Authorization</c> value for --user/--password, or null when no user is given.</summary>
    /// <summary><c>--protocol http|socks5</c> (default http): how tunnels are asked for.</summary>
    public bool Socks5() => (Optional("protocol") ?? "http") switch
    {
        "http" => false,
        "socks5" => true,
        var other => throw new UsageException($"Option --protocol must be http or socks5, got '{other}'."),
    };

    public string? ProxyAuthorization()
    {
        var (user, password) = (Optional("user"), Optional("password"));
        if (user is null && password is null)
        {
            return null;
        }
        if (user is null || password is null)
        {
            throw new UsageException("Options --user and --password go together.");
        }
        if (user.Length == 0 || user.Contains(':'))
        {
            throw new UsageException("Option --user must be non-empty and contain no ':'.");
        }
        return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
    }

    /// <summary>--cpu-pids: comma-separated ids of running processes; empty when not given.</summary>
    public int[] ProcessIds(string name)
    {
        var text = Optional(name);
        if (text is null)
        {
            return [];
        }
        var ids = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            {
                throw new UsageException($"Option --{name} must be process ids separated by commas, got '{text}'.");
            }
            if (!Directory.Exists($"/proc/{id}"))
            {
                throw new UsageException($"Option --{name}: no process {id} (or no /proc).");
            }
            ids.Add(id);
        }
        return [.. ids.Distinct()];
    }

    private static IPEndPoint ParseLoopback(string name, string text)
    {
        var literal = text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + text["localhost".Length..] : text;
        if (!IPEndPoint.TryParse(literal, out var endPoint) || endPoint.Port == 0)
        {
            throw new UsageException($"Option --{name} must be host:port, got '{text}'.");
        }
        if (!IPAddress.IsLoopback(endPoint.Address))
        {
            throw new UsageException($"Option --{name} must be a loopback address: all benchmark traffic stays on this machine.");
        }
        return endPoint;
    }

    /// <summary>Throws for any option the mode did not read.</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).Select(k => "--" + k).ToArray();
        if (unknown.Length > 0)
        {
            throw new UsageException($"Unknown option(s) for this mode: {string.Join(", ", unknown)}.");
        }
    }
}
