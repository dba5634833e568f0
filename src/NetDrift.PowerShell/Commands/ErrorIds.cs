namespace NetDrift.PowerShell.Commands;

/// <summary>Stable error ids: scripts match on these (FullyQualifiedErrorId), so never rename one.</summary>
internal static class ErrorIds
{
    public const string InvalidConfig = "InvalidConfig";
    public const string ConfigNotFound = "ConfigNotFound";
    public const string ListenFailed = "ListenFailed";
    public const string ProxyNameTaken = "ProxyNameTaken";
    public const string ProxyNotFound = "ProxyNotFound";
    public const string ProxyAmbiguous = "ProxyAmbiguous";
    public const string NoProxyRunning = "NoProxyRunning";
    public const string UpstreamNotFound = "UpstreamNotFound";
    public const string UserNotFound = "UserNotFound";
    public const string UpstreamExists = "UpstreamExists";
    public const string InvalidUpstream = "InvalidUpstream";
    public const string FaultyProxyNotFound = "FaultyProxyNotFound";
    public const string FaultyProxyNameTaken = "FaultyProxyNameTaken";
    public const string InvalidFaultOptions = "InvalidFaultOptions";
    public const string InvalidProxyUrl = "InvalidProxyUrl";
    public const string InvalidInterval = "InvalidInterval";
    public const string ConnectionNotFound = "ConnectionNotFound";
}
