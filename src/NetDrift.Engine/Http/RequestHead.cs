namespace NetDrift.Engine.Http;

/// <summary>A parsed, validated request head. The target is already checked for its form.</summary>
public sealed class RequestHead
{
    public required string Method { get; init; }
    public required string Target { get; init; }
    public required string Version { get; init; }
    public required RequestTargetForm Form { get; init; }
    public required HttpHeaders Headers { get; init; }

    /// <summary>For CONNECT: the target host (IPv6 without brackets).</summary>
    public string Host { get; init; } = "";

    /// <summary>For CONNECT and absolute-form: the target port.</summary>
    public int Port { get; init; }

    /// <summary>For absolute-form: path and query, as the origin server expects it.</summary>
    public string PathAndQuery { get; init; } = "";

    public bool IsConnect => Form == RequestTargetForm.Authority;

    /// <summary>host:port with IPv6 hosts bracketed, as used on the wire.</summary>
    public string Authority => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
