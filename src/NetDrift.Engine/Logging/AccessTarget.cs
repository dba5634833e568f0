namespace NetDrift.Engine.Logging;

/// <summary>A request target as the access log may show it: never with credentials.</summary>
public static class AccessTarget
{
    /// <summary>
    /// Strips userinfo (<c>http://user:pass@host/</c> → <c>http://host/</c>) from an absolute-form
    /// target; a host:port or an origin-form target has none. Allocates only when there is some.
    /// </summary>
    public static string Redact(string target)
    {
        var scheme = target.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return target;
        }
        var authorityStart = scheme + 3;
        var authorityEnd = target.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = target.Length;
        }
        var at = target.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
        return at < 0 ? target : string.Concat(target.AsSpan(0, authorityStart), target.AsSpan(at + 1));
    }
}
