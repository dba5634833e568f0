using System.Text;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Metrics;

/// <summary>
/// Label values shared by the Prometheus exporter and the Meter, so a dashboard built on one reads
/// the other: results are <c>success</c> or the failure cause in snake_case.
/// </summary>
internal static class MetricLabels
{
    public const string Success = "success";

    public const string Sent = "sent";

    public const string Received = "received";

    /// <summary>The result label of each <see cref="FailureCause"/>, indexed by its value.</summary>
    public static readonly string[] Causes = Enumerable.Range(0, StatsCell.CauseCount)
        .Select(i => SnakeCase(((FailureCause)i).ToString()))
        .ToArray();

    /// <summary>Every health state, in the order the state-set series are written.</summary>
    public static readonly UpstreamHealth[] HealthStates = [UpstreamHealth.Healthy, UpstreamHealth.Unhealthy, UpstreamHealth.Unknown];

    public static string Health(UpstreamHealth health) => health switch
    {
        UpstreamHealth.Healthy => "healthy",
        UpstreamHealth.Unhealthy => "unhealthy",
        _ => "unknown",
    };

    internal static string SnakeCase(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                text.Append('_');
            }
            text.Append(char.ToLowerInvariant(pascal[i]));
        }
        return text.ToString();
    }
}
