namespace NetDrift.Engine.Http;

/// <summary>The four request-target forms of RFC 9112 §3.2.</summary>
public enum RequestTargetForm
{
    /// <summary><c>/path?query</c>: a request to NetDrift itself (stats, metrics, health).</summary>
    Origin,
    /// <summary><c>http://host/path</c>: plain HTTP to forward.</summary>
    Absolute,
    /// <summary><c>host:port</c>: the CONNECT tunnel target.</summary>
    Authority,
    /// <summary><c>*</c>: server-wide OPTIONS.</summary>
    Asterisk,
}
