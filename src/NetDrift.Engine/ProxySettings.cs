using NetDrift.Engine.Balancing;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Security;

namespace NetDrift.Engine;

/// <summary>
/// Everything a request reads from the config, prepared once per (re)load: the config itself,
/// the users' authenticator, the balancing policy. Swapped whole, so a request sees one version.
/// </summary>
internal sealed class ProxySettings
{
    public ProxySettings(NetDriftConfig config, VerifiedLogins verifiedLogins, ILoadBalancingPolicy? previousPolicy = null)
    {
        Config = config;
        Authenticator = new ClientAuthenticator(config.Authentication.IsRequired ? config.Authentication.Users : [],
            verifiedLogins, PasswordVerifier.Shared);
        // Keep the policy (and its rotation position) when the strategy did not change.
        Policy = previousPolicy?.Name == config.LoadBalancing ? previousPolicy : LoadBalancingPolicyFactory.Create(config.LoadBalancing);
        AllowedPorts = config.AllowedPorts.Count == 0 ? null : config.AllowedPorts.ToHashSet();
        Routes = Routing.RouteTable.Compile(config.Routes);
    }

    public NetDriftConfig Config { get; }

    /// <summary>The users, plain or hashed; a new one per config, sharing the proxy's remembered logins.</summary>
    public ClientAuthenticator Authenticator { get; }

    public bool AuthRequired => Authenticator.IsRequired;

    public ILoadBalancingPolicy Policy { get; }

    public HashSet<int>? AllowedPorts { get; }

    /// <summary>The routes, compiled once per config.</summary>
    internal Routing.RouteTable Routes { get; }
}
