namespace NetDrift.TestOrigin;

/// <summary>Command-line options; <see cref="Parse"/> returns null for anything it does not know.</summary>
/// <param name="TlsCertificateOut">When set: serve HTTPS, and write the certificate (PEM) there for clients to trust.</param>
internal sealed record OriginOptions(int Port, bool IgnoreStdin, string? TlsCertificateOut)
{
    public static OriginOptions? Parse(IReadOnlyList<string> args)
    {
        var port = 0;
        var ignoreStdin = false;
        string? tlsCertificateOut = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Count
                    && int.TryParse(args[i + 1], out port) && port is >= 0 and <= 65535:
                    i++;
                    break;
                case "--ignore-stdin":
                    ignoreStdin = true;
                    break;
                case "--tls-certificate-out" when i + 1 < args.Count && args[i + 1].Length > 0:
                    tlsCertificateOut = args[++i];
                    break;
                default:
                    return null;
            }
        }

        return new OriginOptions(port, ignoreStdin, tlsCertificateOut);
    }
}
