using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Security;

namespace NetDrift.Engine.Tests.Security;

public sealed class PasswordHashTests
{
    [Fact]
    public void Create_ThenVerify_AcceptsOnlyThePassword()
    {
        var stored = PasswordHash.Create("Proxy234", iterations: 10_000);

        Assert.StartsWith("pbkdf2-sha256$10000$", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("Proxy234", stored, StringComparison.Ordinal);
        Assert.True(PasswordHash.Verify("Proxy234", stored));
        Assert.False(PasswordHash.Verify("Proxy235", stored));
        Assert.False(PasswordHash.Verify("", stored));
        Assert.NotEqual(stored, PasswordHash.Create("Proxy234", iterations: 10_000)); // fresh salt each time
    }

    [Theory]
    [InlineData("pbkdf2-sha256$")]
    [InlineData("pbkdf2-sha256$abc$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$100$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$10000$not base64!$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$10000$c2E=$aGFzaGhhc2hoYXNoaGFzaA==")]
    public void TryParse_Malformed_ExplainsWithoutThrowing(string stored)
    {
        Assert.False(PasswordHash.TryParse(stored, out _, out _, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
        Assert.False(PasswordHash.Verify("x", stored));
    }

    [Fact]
    public void ConfigLoader_MalformedHash_NamesThePasswordField()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""
            { "authentication": { "enabled": true, "users": [ { "username": "u", "password": "pbkdf2-sha256$1$x$y" } ] },
              "upstream_proxies": [ { "url": "http://127.0.0.1:1" } ] }
            """));
        Assert.Equal("authentication.users[0].password", Assert.Single(error.Errors).Path);
    }

    [Fact]
    public async Task Authenticate_HashedAndPlainUsers_EachMatchesOnlyItsOwnPassword()
    {
        var authenticator = new ClientAuthenticator([
            new UserConfig("hashed", PasswordHash.Create("s3cret", iterations: 10_000), Tag: "us"),
            new UserConfig("plain", "open sesame"),
        ]);

        Assert.Equal("hashed", (await authenticator.AuthenticateAsync(new BasicCredentials("hashed", "s3cret")))?.Username);
        Assert.Equal("us", (await authenticator.AuthenticateAsync(new BasicCredentials("hashed", "s3cret")))?.Tag); // remembered: no second derivation
        Assert.Null(await authenticator.AuthenticateAsync(new BasicCredentials("hashed", "S3cret")));
        Assert.Equal("plain", (await authenticator.AuthenticateAsync(new BasicCredentials("plain", "open sesame")))?.Username);
        Assert.Null(await authenticator.AuthenticateAsync(new BasicCredentials("plain", "s3cret")));
        Assert.Null(await authenticator.AuthenticateAsync(new BasicCredentials("nobody", "s3cret")));
    }

    [Fact]
    public void AuthFailureThrottle_RepeatedFailures_WaitLongerUpToTwoSeconds()
    {
        var throttle = new AuthFailureThrottle();
        var client = System.Net.IPAddress.Parse("192.0.2.7");
        var waits = Enumerable.Range(0, 8).Select(_ => throttle.Failed(client).TotalMilliseconds).ToArray();

        Assert.Equal([50, 100, 200, 400, 800, 1600, 2000, 2000], waits);
        throttle.Succeeded(client);
        Assert.Equal(50, throttle.Failed(client).TotalMilliseconds);
        Assert.Equal(9, throttle.Delayed);
    }
}
