using System.Net;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;

namespace NetDrift.Engine.Security;

/// <summary>
/// One login, the same for the proxy (Proxy-Authorization) and the admin endpoints: a remembered
/// login passes at once; anything else waits for its address's turn at the throttle, is checked
/// (the derivation off the thread pool), and a failure is counted in AuthFailures and its delay
/// served before the turn ends.
/// </summary>
internal sealed class LoginChecker
{
    private readonly ProxyContext _proxy;

    public LoginChecker(ProxyContext proxy) => _proxy = proxy;

    /// <summary>The user that <paramref name="headers"/> log in as (the first that does), or null after a counted, delayed failure.</summary>
    public async Task<UserConfig?> CheckAsync(ProxySettings settings, IPAddress client, params string?[] headers)
    {
        var checks = new List<LoginCheck>(headers.Length);
        foreach (var header in headers)
        {
            if (BasicCredentials.TryParse(header, out var offered))
            {
                var check = settings.Authenticator.Begin(offered);
                if (check.IsSettled && check.User is not null)
                {
                    _proxy.AuthThrottle.Succeeded(client);
                    return check.User;
                }
                checks.Add(check);
            }
        }
        using (await _proxy.AuthThrottle.WaitTurnAsync(client, _proxy.StoppingToken).ConfigureAwait(false))
        {
            foreach (var check in checks)
            {
                if (await settings.Authenticator.FinishAsync(check).ConfigureAwait(false) is { } user)
                {
                    _proxy.AuthThrottle.Succeeded(client);
                    return user;
                }
            }
            _proxy.Counters.AuthFailed();
            ProxyLog.AuthFailed(_proxy.Logger, client.ToString());
            await Task.Delay(_proxy.AuthThrottle.Failed(client), _proxy.StoppingToken).ConfigureAwait(false);
            return null;
        }
    }
}
