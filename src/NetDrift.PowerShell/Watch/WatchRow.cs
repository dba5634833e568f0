namespace NetDrift.PowerShell.Watch;

/// <summary>One upstream's line in Watch-NetDriftStats.</summary>
internal sealed record WatchRow(string Upstream, string Tag, string Health, string State, double RequestsPerSecond,
    double? SuccessRate, double? P95LatencyMs, long Active, long Failed);
