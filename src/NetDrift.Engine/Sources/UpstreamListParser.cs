using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Sources;

/// <summary>
/// Parses an upstream list (CONTRACT §9): one upstream URL per line, optionally followed by a space
/// and a name; blank lines and <c>#</c> comments (a whole line, or after whitespace) ignored. Each
/// line becomes an upstream as if configured, with the source's tag and weight; its name is the
/// one given, else host:port. Pure: text in, upstreams or errors with line numbers out.
/// </summary>
public static class UpstreamListParser
{
    public static UpstreamList Parse(string text, string tag = "", int weight = 1, string note = "")
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.TrimStart('\uFEFF');
        var upstreams = new List<UpstreamConfig>();
        var errors = new List<UpstreamListError>();
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var number = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            number++;
            var line = StripComment(rawLine).Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 2)
            {
                errors.Add(new(number, "has more than a URL and a name (names cannot contain spaces)"));
                continue;
            }
            if (!UpstreamAddress.TryParse(fields[0], out var address, out var error))
            {
                errors.Add(new(number, $"'{UpstreamAddress.RedactText(fields[0])}' {error}"));
                continue;
            }
            var name = fields.Length == 2 ? fields[1] : address!.Authority;
            if (UpstreamName.Problem(name) is { } nameProblem)
            {
                errors.Add(new(number, $"name {nameProblem}"));
                continue;
            }
            if (names.TryGetValue(name, out var firstLine))
            {
                errors.Add(new(number, $"names upstream '{name}' a second time (first on line {firstLine}); give one of them a distinct name"));
                continue;
            }
            names[name] = number;
            upstreams.Add(new UpstreamConfig { Url = address!, Name = name, Tag = tag, Weight = weight, Note = note });
        }
        return new UpstreamList(upstreams, errors);
    }

    /// <summary>The line up to a '#' that starts it or follows whitespace: a '#' inside a password stays.</summary>
    private static string StripComment(string line)
    {
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i];
            }
        }
        return line;
    }
}
