using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace NetDrift.Engine.Http;

/// <summary>HTTP Basic credentials (RFC 7617): parse a header value, build one, compare safely.</summary>
public readonly record struct BasicCredentials(string UserName, string Password)
{
    /// <summary>Parses <c>Basic base64(user:pass)</c>; false for any other scheme or bad encoding.</summary>
    public static bool TryParse(string? headerValue, out BasicCredentials credentials)
    {
        credentials = default;
        if (headerValue is null)
        {
            return false;
        }
        var value = headerValue.AsSpan().Trim();
        if (value.Length < 6 || !value[..6].Equals("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var encoded = value[6..].Trim();
        var bytes = ArrayPool<byte>.Shared.Rent(encoded.Length);
        try
        {
            if (!Convert.TryFromBase64Chars(encoded, bytes, out var written))
            {
                return false;
            }
            var decoded = Encoding.UTF8.GetString(bytes, 0, written);
            var colon = decoded.IndexOf(':');
            if (colon < 0)
            {
                return false;
            }
            credentials = new BasicCredentials(decoded[..colon], decoded[(colon + 1)..]);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes, clearArray: true);
        }
    }

    /// <summary>The header value <c>Basic base64(user:pass)</c>.</summary>
    public string ToHeaderValue() => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UserName}:{Password}"));

    /// <summary>Compares without leaking, through timing, how much of the secret matched.</summary>
    public bool FixedTimeEquals(BasicCredentials other) =>
        CryptographicOperations.FixedTimeEquals(Hash(UserName), Hash(other.UserName))
        & CryptographicOperations.FixedTimeEquals(Hash(Password), Hash(other.Password));

    // Hashing first makes the comparison length-independent too.
    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    // Keep passwords out of logs, debugger views and exception messages.
    public override string ToString() => $"{UserName}:***";
}
