using System.Globalization;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Upstreams;

namespace NetDrift.PowerShell.Jobs;

/// <summary>
/// The one-line status `Start-NetDriftProxy -Wait -ShowStatus` prints and a proxy job records:
/// open and total connections, the pool's health, and the last 15 minutes' outcome.
/// </summary>
internal static class StatusLine
{
    public static string Format(ProxyServer server, DateTimeOffset now)
    {
        var upstreams = server.Pool.All;
        int unhealthy = 0, disabled = 0, draining = 0;
        long succeeded = 0, failed = 0;
        foreach (var upstream in upstreams)
        {
            unhealthy += upstream.Health == UpstreamHealth.Unhealthy ? 1 : 0;
            disabled += upstream.Config.InRotation ? 0 : 1;
            draining += upstream.State == UpstreamState.Draining ? 1 : 0;
            var recent = upstream.Counters.Snapshot(StatsWindow.Recent);
            succeeded += recent.Succeeded;
            failed += recent.Failed;
        }
        var pool = string.Join(", ", new[]
        {
            unhealthy > 0 ? $"{unhealthy} unhealthy" : null,
            disabled > 0 ? $"{disabled} out of rotation" : null,
            draining > 0 ? $"{draining} draining" : null,
        }.Where(s => s is not null));
        var finished = succeeded + failed;
        var rate = finished == 0 ? "-" : ((double)succeeded / finished).ToString("P1", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"{now.ToLocalTime():HH:mm:ss} NetDrift '{server.Name}' {server.State} on {server.Url}: " +
            $"{server.Counters.ActiveConnections} open, {server.Counters.TotalConnections} total; " +
            $"{upstreams.Count} upstream(s){(pool.Length > 0 ? $" ({pool})" : "")}; " +
            $"last 15 min {succeeded} ok, {failed} failed ({rate})");
    }
}
