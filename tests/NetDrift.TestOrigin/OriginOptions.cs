namespace NetDrift.TestOrigin;

/// <summary>Command-line options; <see cref="Parse"/> returns null for anything it does not know.</summary>
internal sealed record OriginOptions(int Port, bool IgnoreStdin)
{
    public static OriginOptions? Parse(IReadOnlyList<string> args)
    {
        var port = 0;
        var ignoreStdin = false;
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
                default:
                    return null;
            }
        }

        return new OriginOptions(port, ignoreStdin);
    }
}
