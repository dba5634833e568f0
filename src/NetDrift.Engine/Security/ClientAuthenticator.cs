using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Security;

/// <summary>
/// Checks client credentials against the configured users, plain or hashed. Every user is checked
/// (no early exit) and names and plain passwords compare in constant time. When any password is
/// hashed, every uncached check pays exactly one derivation (the named user's hash, or a dummy
/// with the same cost for an unknown or plain-password name), so the time to answer does not
/// reveal which names exist. A PBKDF2 check costs hundreds of milliseconds by design, so
/// credentials that passed once are remembered, under a keyed hash of the pair (never the
/// password), for the life of this config.
/// </summary>
public sealed class ClientAuthenticator
{
    private const int MaxRemembered = 4096;

    private readonly UserConfig[] _users;
    private readonly byte[][] _nameHashes;
    private readonly string? _dummyHash;
    // Random per config: a leaked cache key says nothing about a password, not even offline.
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, int> _verified = new(StringComparer.Ordinal);
    private long _hashChecks;

    public ClientAuthenticator(IReadOnlyList<UserConfig> users)
    {
        _users = users.ToArray();
        _nameHashes = _users.Select(u => Sha256(u.Username)).ToArray();
        _dummyHash = DummyHash(_users);
    }

    public bool IsRequired => _users.Length > 0;

    /// <summary>Password derivations run so far: the seam that shows unknown names cost one too.</summary>
    internal long HashChecks => Interlocked.Read(ref _hashChecks);

    /// <summary>The stand-in an unknown name is checked against, or null when no password is hashed.</summary>
    internal string? DummyStoredHash => _dummyHash;

    /// <summary>The matching user, or null.</summary>
    public UserConfig? Authenticate(BasicCredentials offered)
    {
        var offeredName = Sha256(offered.UserName);
        var pairKey = PairKey(offered);
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
        if (matched >= 0 && _verified.TryGetValue(pairKey, out var remembered) && remembered == matched)
        {
            return _users[matched];
        }
        var matchedHashed = matched >= 0 && PasswordHash.IsHash(_users[matched].Password);
        if (_dummyHash is not null && !matchedHashed)
        {
            // Same cost as a real check, result ignored.
            Verify(offered.Password, _dummyHash);
        }
        if (plainMatches)
        {
            return _users[matched];
        }
        if (matchedHashed && Verify(offered.Password, _users[matched].Password))
        {
            if (_verified.Count < MaxRemembered)
            {
                _verified[pairKey] = matched;
            }
            return _users[matched];
        }
        return null;
    }

    private bool Verify(string password, string stored)
    {
        Interlocked.Increment(ref _hashChecks);
        return PasswordHash.Verify(password, stored);
    }

    /// <summary>HMAC of the length-prefixed pair: no user/password split can collide with another.</summary>
    private string PairKey(BasicCredentials offered)
    {
        var name = Encoding.UTF8.GetBytes(offered.UserName);
        var password = Encoding.UTF8.GetBytes(offered.Password);
        var data = new byte[4 + name.Length + password.Length];
        BitConverter.TryWriteBytes(data.AsSpan(0, 4), name.Length);
        name.CopyTo(data, 4);
        password.CopyTo(data, 4 + name.Length);
        return Convert.ToBase64String(HMACSHA256.HashData(_cacheKey, data));
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
