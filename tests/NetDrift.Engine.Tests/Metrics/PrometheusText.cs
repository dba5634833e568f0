using System.Globalization;
using System.Text;

namespace NetDrift.Engine.Tests.Metrics;

/// <summary>One sample line of the Prometheus text format.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string? this[string label] => Labels.TryGetValue(label, out var value) ? value : null;
}

/// <summary>A small strict reader of the text exposition format (0.0.4), for asserting on what the exporter wrote.</summary>
internal sealed class PrometheusText
{
    private PrometheusText(string text, List<PrometheusSample> samples, Dictionary<string, string> types)
    {
        Text = text;
        Samples = samples;
        Types = types;
    }

    public string Text { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>Metric family name → its # TYPE.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public static PrometheusText Parse(byte[] utf8) => Parse(Encoding.UTF8.GetString(utf8));

    public static PrometheusText Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var types = new Dictionary<string, string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                types[parts[2]] = parts[3];
                continue;
            }
            if (line[0] == '#')
            {
                continue;
            }
            samples.Add(ParseSample(line));
        }
        return new PrometheusText(text, samples, types);
    }

    /// <summary>Samples of <paramref name="name"/> whose labels include every given pair.</summary>
    public IEnumerable<PrometheusSample> Where(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s[l.Label] == l.Value));

    /// <summary>The one sample of <paramref name="name"/> with these labels; fails when there is none or more.</summary>
    public double Value(string name, params (string Label, string Value)[] labels)
    {
        var matches = Where(name, labels).ToList();
        Assert.True(matches.Count == 1,
            $"expected one {name}{{{string.Join(",", labels.Select(l => $"{l.Label}=\"{l.Value}\""))}}}, found {matches.Count}:\n{Text}");
        return matches[0].Value;
    }

    private static PrometheusSample ParseSample(string line)
    {
        var labels = new Dictionary<string, string>();
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }
        var name = line[..i];
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var key = line[i..eq];
                Assert.Equal('"', line[eq + 1]);
                var value = new StringBuilder();
                var j = eq + 2;
                for (; line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] switch { 'n' => '\n', var c => c });
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                }
                labels[key] = value.ToString();
                i = j + 1;
                if (line[i] == ',')
                {
                    i++;
                }
            }
            i++;
        }
        var fields = line[i..].Trim().Split(' ');
        var number = fields[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PrometheusSample(name, labels, number);
    }
}
