using System.Text.Json;

namespace NetDrift.Engine.Configuration;

/// <summary>
/// Maps JSON paths (<c>upstream_proxies[0].url</c>) to the line they start on, so config errors
/// can point at the line. System.Text.Json's DOM keeps no positions, so one reader pass records them.
/// </summary>
internal sealed class JsonLineMap
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private JsonLineMap() { }

    public int? LineOf(string path) => _lines.TryGetValue(path, out var line) ? line : null;

    public static JsonLineMap Build(ReadOnlySpan<byte> json, JsonReaderOptions options)
    {
        var map = new JsonLineMap();
        var newlines = new List<long>();
        for (var i = 0; i < json.Length; i++)
        {
            if (json[i] == (byte)'\n')
            {
                newlines.Add(i);
            }
        }
        int LineAt(long offset)
        {
            var index = newlines.BinarySearch(offset);
            return (index < 0 ? ~index : index) + 1;
        }

        // Each frame: the container's path, and for arrays the next element index.
        var stack = new Stack<(string Path, bool IsArray, int Index)>();
        string? pendingProperty = null;
        var reader = new Utf8JsonReader(json, options);
        try
        {
            while (reader.Read())
            {
                string? valuePath = null;
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    var parent = stack.Count > 0 ? stack.Peek().Path : "";
                    var name = reader.GetString()!;
                    pendingProperty = parent.Length == 0 ? name : $"{parent}.{name}";
                    map._lines.TryAdd(pendingProperty, LineAt(reader.TokenStartIndex));
                    continue;
                }
                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    stack.Pop();
                    continue;
                }
                if (pendingProperty is not null)
                {
                    valuePath = pendingProperty;
                    pendingProperty = null;
                }
                else if (stack.Count > 0 && stack.Peek().IsArray)
                {
                    var frame = stack.Pop();
                    valuePath = $"{frame.Path}[{frame.Index}]";
                    stack.Push(frame with { Index = frame.Index + 1 });
                    map._lines.TryAdd(valuePath, LineAt(reader.TokenStartIndex));
                }
                else
                {
                    valuePath = "";
                }
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    stack.Push((valuePath, reader.TokenType == JsonTokenType.StartArray, 0));
                }
            }
        }
        catch (JsonException)
        {
            // Syntax errors are reported by the DOM parse, with their own line number.
        }
        return map;
    }
}
