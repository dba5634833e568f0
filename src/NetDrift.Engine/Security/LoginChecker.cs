using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;

namespace NetDrift.Engine.Server;

/// <summary>
/// One login, the same for the proxy (Proxy-Authorization) and the admin endpoints: a remembered
/// login passes at once; anything else waits for its address's turn at the throttle, is checked
/// (the derivation off the thread pool), and a failure is counted in AuthFailures and its delay
/// served before the turn ends.
/// </summary>
internal sealed class LoginChecker
{
    private readonly ProxyServer _server;

    public LoginChecker(ProxyServer server) => _server = server;

    /// <summary>The user that <paramref name="headers"/> log in as (the first that does), or null after a counted, delayed failure.</summary>
    public async Task<UserConfig?> CheckAsync(ProxySettings settings, ClientConnection connection, params string?[] headers)
    {
        var checks = new List<Security.LoginCheck>(headers.Length);
        foreach (var header in headers)
        {
            if (BasicCredentials.TryParse(header, out var offered))
            {
                var check = settings.Authenticator.Begin(offered);
                if (check.IsSettled && check.User is not null)
                {
                    _server.AuthThrottle.Succeeded(connection.RemoteAddress);
                    return check.User;
                }
                checks.Add(check);
            }
        }
        using (await _server.AuthThrottle.WaitTurnAsync(connection.RemoteAddress, _server.StoppingToken).ConfigureAwait(false))
        {
            foreach (var check in checks)
            {
                if (await settings.Authenticator.FinishAsync(check).ConfigureAwait(false) is { } user)
                {
                    _server.AuthThrottle.Succeeded(connection.RemoteAddress);
                    return user;
                }
            }
            _server.Counters.AuthFailed();
            ProxyLog.AuthFailed(_server.Logger, connection.RemoteAddress.ToString());
            await Task.Delay(_server.AuthThrottle.Failed(connection.RemoteAddress), _server.StoppingToken).ConfigureAwait(false);
            return null;
        }
    }
}
