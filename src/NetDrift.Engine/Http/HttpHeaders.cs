namespace NetDrift.Engine.Http;

/// <summary>Read-only header list with case-insensitive lookup; heads are small, so a linear scan wins.</summary>
public sealed class HttpHeaders
{
    private readonly HeaderField[] _fields;

    public HttpHeaders(HeaderField[] fields) => _fields = fields;

    public static HttpHeaders Empty { get; } = new([]);

    public int Count => _fields.Length;

    public IReadOnlyList<HeaderField> Fields => _fields;

    /// <summary>The first value of the header, or null.</summary>
    public string? Get(string name)
    {
        foreach (var field in _fields)
        {
            if (string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return field.Value;
            }
        }
        return null;
    }

    /// <summary>How many lines carry this header (duplicates matter for smuggling checks).</summary>
    public int CountOf(string name)
    {
        var count = 0;
        foreach (var field in _fields)
        {
            if (string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>True when a comma-separated header (Connection, Proxy-Connection) lists the token.</summary>
    public bool HasToken(string name, string token)
    {
        foreach (var field in _fields)
        {
            if (!string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            foreach (var part in field.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (string.Equals(part, token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
