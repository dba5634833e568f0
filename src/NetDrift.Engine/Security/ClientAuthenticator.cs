using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Security;

/// <summary>
/// Checks client credentials against the configured users, plain or hashed. Every user is checked
/// (no early exit) and names and plain passwords compare in constant time. When any password is
/// hashed, every check not found in <see cref="VerifiedLogins"/> pays exactly one derivation (the
/// named user's hash, or a dummy with the same cost for an unknown or plain-password name), so the
/// time to answer does not reveal which names exist. A check is two steps: <see cref="Begin"/> is
/// cheap and settles remembered logins (and everything when no password is hashed);
/// <see cref="FinishAsync"/> runs the derivation on the <see cref="PasswordVerifier"/>, off the
/// thread pool, so the caller can queue guesses before paying for them.
/// </summary>
public sealed class ClientAuthenticator
{
    private readonly UserConfig[] _users;
    private readonly byte[][] _nameHashes;
    private readonly string? _dummyHash;
    private readonly VerifiedLogins _verified;
    private readonly PasswordVerifier _verifier;
    private long _hashChecks;

    public ClientAuthenticator(IReadOnlyList<UserConfig> users)
        : this(users, new VerifiedLogins(), PasswordVerifier.Shared)
    {
    }

    internal ClientAuthenticator(IReadOnlyList<UserConfig> users, VerifiedLogins verified, PasswordVerifier verifier)
    {
        _users = users.ToArray();
        _nameHashes = _users.Select(u => Sha256(u.Username)).ToArray();
        _dummyHash = DummyHash(_users);
        _verified = verified;
        _verifier = verifier;
    }

    public bool IsRequired => _users.Length > 0;

    /// <summary>Password derivations this config has asked for: the seam that shows unknown names cost one too.</summary>
    internal long HashChecks => Interlocked.Read(ref _hashChecks);

    /// <summary>The stand-in an unknown name is checked against, or null when no password is hashed.</summary>
    internal string? DummyStoredHash => _dummyHash;

    /// <summary>The matching user, or null: both steps at once.</summary>
    public async Task<UserConfig?> AuthenticateAsync(BasicCredentials offered)
    {
        var check = Begin(offered);
        return check.IsSettled ? check.User : await FinishAsync(check).ConfigureAwait(false);
    }

    /// <summary>The cheap step: matches the name and plain passwords, and looks in the remembered logins.</summary>
    internal LoginCheck Begin(BasicCredentials offered)
    {
        var offeredName = Sha256(offered.UserName);
        var matched = -1;
        var plainMatches = false;
        for (var i = 0; i < _users.Length; i++)
        {
            var nameMatches = CryptographicOperations.FixedTimeEquals(offeredName, _nameHashes[i]);
            var user = _users[i];
            if (!PasswordHash.IsHash(user.Password))
            {
                var passwordMatches = CryptographicOperations.FixedTimeEquals(Sha256(offered.Password), Sha256(user.Password));
                if (nameMatches & passwordMatches & matched < 0)
                {
                    plainMatches = true;
                }
            }
            if (nameMatches & matched < 0)
            {
                matched = i;
            }
        }
        var named = matched >= 0 ? _users[matched] : null;
        if (named is not null && _verified.Contains(named.Username, named.Password, offered.Password))
        {
            return new LoginCheck(offered, named, null, null);
        }
        if (_dummyHash is null)
        {
            return new LoginCheck(offered, plainMatches ? named : null, null, null);
        }
        // A hashed user's own hash; otherwise the dummy, same cost, result ignored.
        return named is not null && PasswordHash.IsHash(named.Password)
            ? new LoginCheck(offered, null, named, named.Password)
            : new LoginCheck(offered, plainMatches ? named : null, null, _dummyHash);
    }

    /// <summary>The costly step: one derivation on the verifier's threads; a success is remembered.</summary>
    internal async Task<UserConfig?> FinishAsync(LoginCheck check)
    {
        if (check.Derive is not { } stored)
        {
            return check.User;
        }
        Interlocked.Increment(ref _hashChecks);
        var hashMatches = await _verifier.VerifyAsync(check.Offered.Password, stored).ConfigureAwait(false);
        var user = check.Candidate is null ? check.User : hashMatches ? check.Candidate : null;
        if (user is not null)
        {
            _verified.Remember(user.Username, user.Password, check.Offered.Password);
        }
        return user;
    }

    /// <summary>
    /// A well-formed hash nothing matches, with the highest iteration count and the hash length of
    /// the configured hashes, built without a derivation so loading a config stays fast.
    /// </summary>
    private static string? DummyHash(UserConfig[] users)
    {
        var iterations = 0;
        var hashLength = 32;
        foreach (var user in users)
        {
            if (PasswordHash.TryParse(user.Password, out var n, out _, out var hash, out _) && n > iterations)
            {
                iterations = n;
                hashLength = hash.Length;
            }
        }
        return iterations == 0
            ? null
            : $"{PasswordHash.Prefix}{iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}${Convert.ToBase64String(RandomNumberGenerator.GetBytes(hashLength))}";
    }

    private static byte[] Sha256(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
