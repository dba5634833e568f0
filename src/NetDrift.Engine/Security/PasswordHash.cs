using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace NetDrift.Engine.Security;

/// <summary>
/// Client passwords stored as PBKDF2-HMAC-SHA256 hashes in the config:
/// <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt, base64&gt;$&lt;hash, base64&gt;</c> (the layout Django and
/// passlib use). A config password with this prefix is a hash; anything else is plain text.
/// </summary>
public static class PasswordHash
{
    public const string Prefix = "pbkdf2-sha256$";

    /// <summary>OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static bool IsHash(string password) => password.StartsWith(Prefix, StringComparison.Ordinal);

    public static string Create(string password, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 10_000);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"{Prefix}{iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>Checks the stored form; an error message (no secret in it) when malformed.</summary>
    public static bool TryParse(string stored, out int iterations, out byte[] salt, out byte[] hash, out string? error)
    {
        iterations = 0;
        salt = hash = [];
        error = null;
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] + "$" != Prefix)
        {
            error = $"a hashed password must look like {Prefix}<iterations>$<salt>$<hash> (make one with ConvertTo-NetDriftPasswordHash)";
            return false;
        }
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 10_000)
        {
            error = "the hash's iteration count must be a number of at least 10000";
            return false;
        }
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            error = "the hash's salt and hash must be base64";
            return false;
        }
        if (salt.Length < 8 || hash.Length < 16)
        {
            error = "the hash's salt or hash is too short";
            return false;
        }
        return true;
    }

    /// <summary>Derives and compares in constant time. Slow on purpose: callers cache successes.</summary>
    public static bool Verify(string password, string stored)
    {
        if (!TryParse(stored, out var iterations, out var salt, out var expected, out _))
        {
            return false;
        }
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
