using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Security;

namespace NetDrift.Engine.Tests.Security;

/// <summary>Equal cost for known and unknown names, and the cache of successful checks.</summary>
public sealed class ClientAuthenticatorTests
{
    private static readonly string AliceHash = PasswordHash.Create("Alice-Pw1", iterations: 20_000);

    private static ClientAuthenticator Users() => new([
        new UserConfig("alice", AliceHash),
        new UserConfig("carol", "plain-Pw3"),
    ]);

    [Theory]
    [InlineData("alice", "wrong")]
    [InlineData("nobody", "wrong")]
    [InlineData("ALICE", "Alice-Pw1")]
    [InlineData("carol", "wrong")]
    [InlineData("carol", "plain-Pw3")]
    public async Task Authenticate_AnyNameUncached_PaysExactlyOneHashCheck(string user, string password)
    {
        var authenticator = Users();

        await authenticator.AuthenticateAsync(new BasicCredentials(user, password));

        Assert.Equal(1, authenticator.HashChecks);
    }

    [Fact]
    public void DummyHash_HasTheConfiguredCost()
    {
        var authenticator = Users();

        Assert.True(PasswordHash.TryParse(authenticator.DummyStoredHash!, out var iterations, out _, out var hash, out _));
        Assert.Equal(20_000, iterations);
        Assert.Equal(32, hash.Length);
    }

    [Fact]
    public async Task Authenticate_NoHashedUser_NoDerivationAtAll()
    {
        var authenticator = new ClientAuthenticator([new UserConfig("carol", "plain-Pw3")]);

        Assert.NotNull(await authenticator.AuthenticateAsync(new BasicCredentials("carol", "plain-Pw3")));
        Assert.Null(await authenticator.AuthenticateAsync(new BasicCredentials("nobody", "x")));
        Assert.Null(authenticator.DummyStoredHash);
        Assert.Equal(0, authenticator.HashChecks);
    }

    [Fact]
    public async Task Authenticate_RightHashedPasswordTwice_DerivesOnce()
    {
        var authenticator = Users();

        Assert.Equal("alice", (await authenticator.AuthenticateAsync(new BasicCredentials("alice", "Alice-Pw1")))?.Username);
        Assert.Equal("alice", (await authenticator.AuthenticateAsync(new BasicCredentials("alice", "Alice-Pw1")))?.Username);

        Assert.Equal(1, authenticator.HashChecks);
    }

    [Fact]
    public async Task Authenticate_WrongPasswordsNeverCached_EachPaysAgain()
    {
        var authenticator = Users();

        Assert.Null(await authenticator.AuthenticateAsync(new BasicCredentials("alice", "wrong")));
        Assert.Null(await authenticator.AuthenticateAsync(new BasicCredentials("alice", "wrong")));
        Assert.Null(await authenticator.AuthenticateAsync(new BasicCredentials("nobody", "wrong")));

        Assert.Equal(3, authenticator.HashChecks);
    }

    [Fact]
    public async Task Authenticate_SplitShiftedBetweenNameAndPassword_NotACacheHit()
    {
        var authenticator = new ClientAuthenticator([
            new UserConfig("ali", PasswordHash.Create("ce\nX", iterations: 10_000)),
            new UserConfig("alice", PasswordHash.Create("right", iterations: 10_000)),
        ]);
        Assert.NotNull(await authenticator.AuthenticateAsync(new BasicCredentials("ali", "ce\nX")));

        Assert.Null(await authenticator.AuthenticateAsync(new BasicCredentials("ali", "ceX")));
        Assert.Null(await authenticator.AuthenticateAsync(new BasicCredentials("alice", "\nX")));
    }
}
