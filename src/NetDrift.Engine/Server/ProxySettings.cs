using NetDrift.Engine.Balancing;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Server;

/// <summary>
/// Everything a request reads from the config, prepared once per (re)load: the config itself,
/// the users as credentials, the balancing policy. Swapped whole, so a request sees one version.
/// </summary>
internal sealed class ProxySettings
{
    public ProxySettings(NetDriftConfig config, ILoadBalancingPolicy? previousPolicy = null)
    {
        Config = config;
        Users = config.Authentication.IsRequired
            ? config.Authentication.Users.Select(u => new BasicCredentials(u.Username, u.Password)).ToArray()
            : [];
        // Keep the policy (and its rotation position) when the strategy did not change.
        Policy = previousPolicy?.Name == config.LoadBalancing ? previousPolicy : LoadBalancingPolicyFactory.Create(config.LoadBalancing);
        AllowedPorts = config.AllowedPorts.Count == 0 ? null : config.AllowedPorts.ToHashSet();
    }

    public NetDriftConfig Config { get; }

    public BasicCredentials[] Users { get; }

    public bool AuthRequired => Users.Length > 0;

    public ILoadBalancingPolicy Policy { get; }

    public HashSet<int>? AllowedPorts { get; }

    /// <summary>Checks every user (no early exit) so timing does not reveal which name exists.</summary>
    public bool TryAuthenticate(BasicCredentials offered, out string userName) => TryAuthenticate(offered, out userName, out _);

    /// <summary>As above, also giving the tag the user is pinned to (null when none).</summary>
    public bool TryAuthenticate(BasicCredentials offered, out string userName, out string? tag)
    {
        userName = "";
        tag = null;
        var matched = false;
        for (var i = 0; i < Users.Length; i++)
        {
            if (Users[i].FixedTimeEquals(offered))
            {
                matched = true;
                userName = Users[i].UserName;
                tag = Config.Authentication.Users[i].Tag;
            }
        }
        return matched;
    }
}
