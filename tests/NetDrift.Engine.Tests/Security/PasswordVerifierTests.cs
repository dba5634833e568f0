using NetDrift.Engine.Security;

namespace NetDrift.Engine.Tests.Security;

/// <summary>Derivations run on the verifier's own threads; whoever awaits them never does.</summary>
public sealed class PasswordVerifierTests
{
    private static readonly string Stored = PasswordHash.Create("right", iterations: 10_000);

    [Fact(Timeout = 10_000)]
    public async Task VerifyAsync_RightAndWrong_AnsweredOffTheVerifierThread()
    {
        var verifier = new PasswordVerifier(1);

        var right = await verifier.VerifyAsync("right", Stored);
        var continuedOn = Thread.CurrentThread.Name;
        var wrong = await verifier.VerifyAsync("wrong", Stored);

        Assert.True(right);
        Assert.False(wrong);
        Assert.NotEqual(PasswordVerifier.ThreadName, continuedOn);
    }

    [Fact(Timeout = 10_000)]
    public async Task VerifyAsync_ManyAtOnce_AllAnsweredInOrderOfTheirPasswords()
    {
        var verifier = new PasswordVerifier(1);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => verifier.VerifyAsync(i % 2 == 0 ? "right" : "wrong", Stored)));

        Assert.Equal(Enumerable.Range(0, 8).Select(i => i % 2 == 0), results);
    }
}
