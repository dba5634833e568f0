using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Logging;

/// <summary>
/// Turns <see cref="AccessRecord"/>s into lines (CONTRACT §10). One per writer task, reused for
/// every line: not thread-safe.
/// </summary>
public sealed class AccessLineFormatter
{
    private readonly AccessLogFormat _format;
    private readonly bool _logUser;
    private readonly StringBuilder _line = new(256);
    private Utf8JsonWriter? _json;

    public AccessLineFormatter(AccessLogFormat format, bool logUser)
    {
        _format = format;
        _logUser = logUser;
    }

    /// <summary>Appends one line, newline included.</summary>
    public void Append(in AccessRecord record, IBufferWriter<byte> output)
    {
        if (_format == AccessLogFormat.Json)
        {
            AppendJson(record, output);
        }
        else
        {
            AppendSquid(record, output);
        }
    }

    /// <summary>One line as text (tests, and anyone wanting a line without a writer).</summary>
    public string Format(in AccessRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Append(record, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Squid's native format, <c>%ts.%03tu %6tr %>a %Ss/%03>Hs %&lt;st %rm %ru %[un %Sh/%&lt;a %mt</c>
    /// (squid.conf logformat "squid"), so goaccess --log-format=SQUID and Squid's analysers read it.
    /// </summary>
    private void AppendSquid(in AccessRecord record, IBufferWriter<byte> output)
    {
        var line = _line.Clear();
        var invariant = CultureInfo.InvariantCulture;
        var millis = record.Time.ToUnixTimeMilliseconds();
        line.Append(invariant, $"{millis / 1000}.{millis % 1000:000} {record.ElapsedMilliseconds,6} {record.Client} ");
        line.Append(SquidCode(record)).Append('/').Append(invariant, $"{record.Status:000}");
        line.Append(' ').Append(invariant, $"{record.BytesReceived}");
        line.Append(' ').Append(Field(record.Method));
        line.Append(' ').Append(Field(AccessTarget.Redact(record.Target)));
        line.Append(' ').Append(User(record) is { } user ? Field(user) : "-");
        line.Append(' ').Append(Hierarchy(record));
        line.Append(' ').Append(string.IsNullOrEmpty(record.ContentType) ? "-" : Field(record.ContentType));
        line.Append('\n');
        Encoding.UTF8.GetBytes(line.ToString(), output);
    }

    /// <summary>Squid's hierarchy/peer: the upstream as a parent, the target's host for a direct route, else none.</summary>
    private static string Hierarchy(in AccessRecord record) =>
        record.Direct ? "HIER_DIRECT/" + Field(HostOf(AccessTarget.Redact(record.Target)))
        : record.Upstream is { } upstream ? "FIRSTUP_PARENT/" + Field(upstream)
        : "HIER_NONE/-";

    private static string HostOf(string target)
    {
        var start = target.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 ? scheme + 3 : 0;
        var end = target.IndexOfAny(['/', '?', '#'], start) is var slash and >= 0 ? slash : target.Length;
        var authority = target[start..end];
        var colon = authority.LastIndexOf(':');
        return colon > 0 && !authority.EndsWith(']') ? authority[..colon].Trim('[', ']') : authority.Trim('[', ']');
    }

    /// <summary>Squid's result codes: tunnels, misses (NetDrift caches nothing), denials, and NONE for what never got that far.</summary>
    private static string SquidCode(in AccessRecord record) => record.Kind switch
    {
        AccessKind.Tunnel => "TCP_TUNNEL",
        AccessKind.Request => "TCP_MISS",
        _ => record.Status is 403 or 407 or 429 ? "TCP_DENIED" : "NONE",
    };

    /// <summary>A space-separated format: a field never holds a space or control character (Squid writes them %-escaped too).</summary>
    private static string Field(string value)
    {
        if (value.Length == 0)
        {
            return "-";
        }
        foreach (var c in value)
        {
            if (c <= ' ' || c == '%' || c == 0x7f)
            {
                return Escape(value);
            }
        }
        return value;

        static string Escape(string value)
        {
            var escaped = new StringBuilder(value.Length + 8);
            foreach (var c in value)
            {
                if (c <= ' ' || c == '%' || c == 0x7f)
                {
                    escaped.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                }
                else
                {
                    escaped.Append(c);
                }
            }
            return escaped.ToString();
        }
    }

    private void AppendJson(in AccessRecord record, IBufferWriter<byte> output)
    {
        var json = _json ??= new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        json.Reset(output);
        json.WriteStartObject();
        json.WriteString("time", record.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteNumber("elapsed_ms", record.ElapsedMilliseconds);
        json.WriteString("client", record.Client);
        WriteNullable(json, "user", User(record));
        json.WriteString("protocol", record.Protocol);
        json.WriteString("method", record.Method);
        json.WriteString("target", AccessTarget.Redact(record.Target));
        json.WriteNumber("status", record.Status);
        WriteNullable(json, "upstream", record.Upstream);
        json.WriteNumber("attempts", record.Attempts);
        json.WriteNumber("bytes_sent", record.BytesSent);
        json.WriteNumber("bytes_received", record.BytesReceived);
        WriteNullable(json, "cause", record.Cause);
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    private string? User(in AccessRecord record) => _logUser ? record.User : null;

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
