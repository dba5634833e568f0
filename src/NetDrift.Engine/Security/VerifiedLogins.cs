using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace NetDrift.Engine.Security;

/// <summary>
/// Logins that passed their check, so a keep-alive client or a busy user pays a derivation once.
/// One per proxy, kept across reloads: the key covers the stored password (hash and salt) along
/// with the offered pair, so a changed password can never be matched by an old entry. Keys are an
/// HMAC under a random per-proxy key: nothing here helps guess a password, not even offline.
/// Bounded: when full it starts over, and the next logins pay their check again.
/// </summary>
internal sealed class VerifiedLogins
{
    public const int Capacity = 4096;

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, byte> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public bool Contains(string userName, string storedPassword, string offeredPassword) =>
        _entries.ContainsKey(Key(userName, storedPassword, offeredPassword));

    public void Remember(string userName, string storedPassword, string offeredPassword)
    {
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }
        _entries[Key(userName, storedPassword, offeredPassword)] = 0;
    }

    /// <summary>HMAC of the length-prefixed fields: no split between them can collide with another.</summary>
    private string Key(string userName, string storedPassword, string offeredPassword)
    {
        var fields = new[] { userName, storedPassword, offeredPassword }.Select(Encoding.UTF8.GetBytes).ToArray();
        var data = new byte[fields.Sum(f => 4 + f.Length)];
        var at = 0;
        foreach (var field in fields)
        {
            BitConverter.TryWriteBytes(data.AsSpan(at, 4), field.Length);
            field.CopyTo(data, at + 4);
            at += 4 + field.Length;
        }
        return Convert.ToBase64String(HMACSHA256.HashData(_key, data));
    }
}
