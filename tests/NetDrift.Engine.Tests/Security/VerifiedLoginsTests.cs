using NetDrift.Engine.Security;

namespace NetDrift.Engine.Tests.Security;

/// <summary>The memory of passed logins: tied to the stored password, bounded.</summary>
public sealed class VerifiedLoginsTests
{
    [Fact]
    public void Contains_OnlyTheSameNameStoredHashAndPassword()
    {
        var logins = new VerifiedLogins();
        logins.Remember("alice", "stored-1", "pw");

        Assert.True(logins.Contains("alice", "stored-1", "pw"));
        Assert.False(logins.Contains("alice", "stored-2", "pw"));
        Assert.False(logins.Contains("alice", "stored-1", "pw2"));
        Assert.False(logins.Contains("alic", "estored-1", "pw"));
    }

    [Fact]
    public void Remember_PastCapacity_StaysBounded()
    {
        var logins = new VerifiedLogins();

        for (var i = 0; i <= VerifiedLogins.Capacity; i++)
        {
            logins.Remember("user" + i, "stored", "pw");
        }

        Assert.InRange(logins.Count, 1, VerifiedLogins.Capacity);
        Assert.True(logins.Contains("user" + VerifiedLogins.Capacity, "stored", "pw"));
    }
}
