using NetDrift.Engine.Faults;

namespace NetDrift.Engine.Tests.Faults;

public sealed class FaultyProxyOptionsTests
{
    [Fact]
    public void Validate_Defaults_Passes()
    {
        var options = new FaultyProxyOptions();

        options.Validate();

        Assert.Equal(FaultType.None, options.Fault);
        Assert.Equal(1.0, options.FailureRate);
        Assert.Equal(503, options.StatusCode);
        Assert.Equal(1024, options.AfterBytes);
    }

    public static TheoryData<FaultyProxyOptions, string> BadOptions => new()
    {
        { new FaultyProxyOptions { Fault = (FaultType)99 }, "Fault" },
        { new FaultyProxyOptions { FailureRate = -0.1 }, "FailureRate" },
        { new FaultyProxyOptions { FailureRate = 1.1 }, "FailureRate" },
        { new FaultyProxyOptions { FailureRate = double.NaN }, "FailureRate" },
        { new FaultyProxyOptions { Latency = TimeSpan.FromMilliseconds(-1) }, "Latency" },
        { new FaultyProxyOptions { Latency = TimeSpan.FromDays(2) }, "Latency" },
        { new FaultyProxyOptions { Jitter = TimeSpan.FromMilliseconds(-1) }, "Jitter" },
        { new FaultyProxyOptions { StatusCode = 99 }, "StatusCode" },
        { new FaultyProxyOptions { StatusCode = 600 }, "StatusCode" },
        { new FaultyProxyOptions { AfterBytes = -1 }, "AfterBytes" },
        { new FaultyProxyOptions { BytesPerSecond = -1 }, "BytesPerSecond" },
        { new FaultyProxyOptions { Password = "p" }, "UserName" },
        { new FaultyProxyOptions { UserName = "u" }, "Password" },
        { new FaultyProxyOptions { UserName = "", Password = "p" }, "UserName" },
        { new FaultyProxyOptions { UserName = "a:b", Password = "p" }, "UserName" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Validate_BadValue_ThrowsNamingProperty(FaultyProxyOptions options, string property)
    {
        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(property, error.ParamName);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Validate_FailureRateBounds_Pass(double rate) => new FaultyProxyOptions { FailureRate = rate }.Validate();

    [Fact]
    public void Validate_CredentialsWithEmptyPassword_Pass() =>
        new FaultyProxyOptions { UserName = "u", Password = "" }.Validate();

    [Fact]
    public void ToString_WithPassword_MasksIt()
    {
        var text = new FaultyProxyOptions { UserName = "tester", Password = "hunter2" }.ToString();

        Assert.DoesNotContain("hunter2", text);
        Assert.Contains("UserName = tester", text);
        Assert.Contains("Password = ***", text);
    }

    [Fact]
    public void With_ChangedKnob_LeavesOriginalAlone()
    {
        var original = new FaultyProxyOptions { Fault = FaultType.Drop };

        var changed = original with { AfterBytes = 5 };

        Assert.Equal(1024, original.AfterBytes);
        Assert.Equal(5, changed.AfterBytes);
        Assert.Equal(FaultType.Drop, changed.Fault);
    }
}
