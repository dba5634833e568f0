using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Security;

/// <summary>
/// Checks client credentials against the configured users, plain or hashed. Every user is checked
/// (no early exit) and names and plain passwords compare in constant time, so timing reveals
/// neither which names exist nor how much of a password matched. A PBKDF2 check costs hundreds of
/// milliseconds by design, so credentials that passed once are remembered (as a SHA-256 of the
/// pair, never the password) for the life of this config.
/// </summary>
public sealed class ClientAuthenticator
{
    private const int MaxRemembered = 4096;

    private readonly UserConfig[] _users;
    private readonly byte[][] _nameHashes;
    private readonly ConcurrentDictionary<string, int> _verified = new(StringComparer.Ordinal);

    public ClientAuthenticator(IReadOnlyList<UserConfig> users)
    {
        _users = users.ToArray();
        _nameHashes = _users.Select(u => Sha256(u.Username)).ToArray();
    }

    public bool IsRequired => _users.Length > 0;

    /// <summary>The matching user, or null.</summary>
    public UserConfig? Authenticate(BasicCredentials offered)
    {
        var offeredName = Sha256(offered.UserName);
        var pairKey = Convert.ToBase64String(Sha256(offered.UserName + "\n" + offered.Password));
        UserConfig? match = null;
        for (var i = 0; i < _users.Length; i++)
        {
            var nameMatches = CryptographicOperations.FixedTimeEquals(offeredName, _nameHashes[i]);
            var user = _users[i];
            bool passwordMatches;
            if (PasswordHash.IsHash(user.Password))
            {
                // Only the user whose name matched pays for a derivation.
                passwordMatches = nameMatches
                    && (_verified.TryGetValue(pairKey, out var index) && index == i || VerifyAndRemember(offered.Password, user.Password, pairKey, i));
            }
            else
            {
                passwordMatches = CryptographicOperations.FixedTimeEquals(Sha256(offered.Password), Sha256(user.Password));
            }
            if (nameMatches & passwordMatches)
            {
                match = user;
            }
        }
        return match;
    }

    private bool VerifyAndRemember(string password, string stored, string pairKey, int index)
    {
        if (!PasswordHash.Verify(password, stored))
        {
            return false;
        }
        if (_verified.Count < MaxRemembered)
        {
            _verified[pairKey] = index;
        }
        return true;
    }

    private static byte[] Sha256(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
