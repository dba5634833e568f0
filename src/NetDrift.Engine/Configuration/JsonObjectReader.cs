using System.Text.Json;

namespace NetDrift.Engine.Configuration;

/// <summary>
/// Reads one JSON object of the config: typed getters that record an error naming the field (and
/// its line) instead of throwing, and that remember which fields were read so the rest can be
/// reported as unknown.
/// </summary>
internal sealed class JsonObjectReader
{
    private readonly JsonElement _element;
    private readonly ConfigErrorSink _errors;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public JsonObjectReader(JsonElement element, string path, ConfigErrorSink errors)
    {
        _element = element;
        Path = path;
        _errors = errors;
    }

    public string Path { get; }

    public string FieldPath(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    public bool Has(string name)
    {
        _known.Add(name);
        return _element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;
    }

    public string? String(string name, string? fallback = null)
    {
        if (!TryGet(name, out var value))
        {
            return fallback;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            return WrongType(name, value, "a string", fallback);
        }
        return value.GetString();
    }

    public bool Bool(string name, bool fallback)
    {
        if (!TryGet(name, out var value))
        {
            return fallback;
        }
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }
        return WrongType(name, value, "true or false", fallback);
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!TryGet(name, out var value))
        {
            return fallback;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            return WrongType(name, value, "a whole number", fallback);
        }
        if (number < min || number > max)
        {
            var range = max == int.MaxValue ? $"{min} or more" : $"from {min} to {max}";
            _errors.Add(FieldPath(name), $"must be {range}, not {number}");
            return fallback;
        }
        return number;
    }

    /// <summary>A count of seconds (the Go schema's unit), as a TimeSpan.</summary>
    public TimeSpan Seconds(string name, TimeSpan fallback, double min = 0, double max = 86_400 * 30)
    {
        if (!TryGet(name, out var value))
        {
            return fallback;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds))
        {
            return WrongType(name, value, "a number of seconds", fallback);
        }
        if (seconds < min || seconds > max)
        {
            _errors.Add(FieldPath(name), $"must be from {min} to {max} seconds, not {seconds}");
            return fallback;
        }
        return TimeSpan.FromSeconds(seconds);
    }

    public JsonObjectReader? Object(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            return WrongType<JsonObjectReader?>(name, value, "an object", null);
        }
        return new JsonObjectReader(value, FieldPath(name), _errors);
    }

    /// <summary>The array's elements with their paths; an error and nothing when it is not an array.</summary>
    public IReadOnlyList<(JsonElement Element, string Path)>? Array(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            return WrongType<IReadOnlyList<(JsonElement, string)>?>(name, value, "an array", null);
        }
        var items = new List<(JsonElement, string)>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            items.Add((item, $"{FieldPath(name)}[{index++}]"));
        }
        return items;
    }

    /// <summary>Reports every field not read: the Go program ignored typos; NetDrift names them.</summary>
    public void ReportUnknownFields()
    {
        foreach (var property in _element.EnumerateObject())
        {
            if (!_known.Contains(property.Name))
            {
                var expected = string.Join(", ", _known.Order(StringComparer.Ordinal));
                _errors.Add(FieldPath(property.Name), $"is not a known field (known here: {expected})");
            }
        }
    }

    private bool TryGet(string name, out JsonElement value)
    {
        _known.Add(name);
        return _element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
    }

    private T WrongType<T>(string name, JsonElement value, string expected, T fallback)
    {
        _errors.Add(FieldPath(name), $"must be {expected}, not {Describe(value)}");
        return fallback;
    }

    internal static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}
