using System.Text.Json;
using System.Text.Json.Serialization;

namespace NetDrift.LoadGen;

/// <summary>The result of a tunnel or plain run. Null figures: nothing measured (no samples, no --cpu-pids).</summary>
internal sealed record LoadReport(
    string Mode, long Completed, long Errors, Dictionary<string, long> ErrorKinds, double Seconds, double RatePerSecond,
    double? P50Ms, double? P90Ms, double? P99Ms, double? MaxMs, double? FrontCpuSeconds, double? PerCpuSecond,
    double? RigCpuSeconds, double LoadGenCpuSeconds, double MachineCpuSeconds, double WindowSeconds, int Cores, int Concurrency, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? KeepAlive);

internal sealed record ThroughputReport(
    string Mode, int Streams, long BytesPerStream, long TotalBytes, long Errors, Dictionary<string, long> ErrorKinds, double Seconds,
    double MegabytesPerSecond, double? FrontCpuSeconds, double? MegabytesPerCpuSecond, double? RigCpuSeconds, double LoadGenCpuSeconds,
    double MachineCpuSeconds, double WindowSeconds, int Cores);

internal sealed record IdleReport(string Mode, int Requested, int Opened, long Errors, Dictionary<string, long> ErrorKinds, double Seconds);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LoadReport))]
[JsonSerializable(typeof(ThroughputReport))]
[JsonSerializable(typeof(IdleReport))]
internal sealed partial class ReportJson : JsonSerializerContext;

/// <summary>Writes a report as the one JSON line a client mode prints on stdout.</summary>
internal static class Report
{
    public static void Write<T>(T report, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(report, type));
        Console.Out.Flush();
    }

    /// <summary>A ratio for the JSON: null rather than infinity or NaN when the divisor is nothing.</summary>
    public static double? Ratio(double numerator, double? denominator, int digits) =>
        denominator is > 0 ? Math.Round(numerator / denominator.Value, digits) : null;

    public static double? Round(double? value, int digits) => value is null ? null : Math.Round(value.Value, digits);
}
