using System.Globalization;
using System.Text;

namespace NetDrift.Engine.Faults;

/// <summary>
/// How a faulty proxy behaves. Immutable: <see cref="FaultyProxy.Update"/> swaps in a whole new
/// instance, so a connection sees one consistent set of knobs from accept to close.
/// </summary>
public sealed record FaultyProxyOptions
{
    /// <summary>The longest Latency or Jitter accepted: a test tool has no use for more, and it keeps every delay within what timers allow.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(1);

    /// <summary>What it speaks; taken at start, kept by <see cref="FaultyProxy.Update"/>.</summary>
    public FaultyProxyProtocol Protocol { get; init; } = FaultyProxyProtocol.Http;

    public FaultType Fault { get; init; } = FaultType.None;

    /// <summary>0..1: the probability that the fault strikes a connection; otherwise it behaves as <see cref="FaultType.None"/>.</summary>
    public double FailureRate { get; init; } = 1.0;

    /// <summary>Delays every connection before anything else happens.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Adds a random 0..Jitter to <see cref="Latency"/>.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>The answer of <see cref="FaultType.Status"/> (100..599; SOCKS5: 1..599, the reply code when under 256, else 0x01).</summary>
    public int StatusCode { get; init; } = 503;

    /// <summary>For <see cref="FaultType.Drop"/>: relayed bytes, both directions together, before the tunnel is cut.</summary>
    public long AfterBytes { get; init; } = 1024;

    /// <summary>For <see cref="FaultType.Slow"/>: the relay rate cap of each direction; 0 = unlimited.</summary>
    public long BytesPerSecond { get; init; }

    /// <summary>With <see cref="Password"/>: requires Proxy-Authorization Basic (wrong or none gets 407).</summary>
    public string? UserName { get; init; }

    public string? Password { get; init; }

    internal bool RequiresAuthentication => UserName is not null && Password is not null;

    /// <summary>Throws <see cref="ArgumentException"/> whose ParamName is the bad property.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Fault))
        {
            throw new ArgumentException($"Fault '{Fault}' is not a FaultType.", nameof(Fault));
        }
        if (!Enum.IsDefined(Protocol))
        {
            throw new ArgumentException($"Protocol '{Protocol}' is not a FaultyProxyProtocol.", nameof(Protocol));
        }
        // Written so NaN fails too.
        if (!(FailureRate >= 0.0 && FailureRate <= 1.0))
        {
            throw new ArgumentException("FailureRate must be between 0 and 1.", nameof(FailureRate));
        }
        if (Latency < TimeSpan.Zero || Latency > MaxDelay)
        {
            throw new ArgumentException("Latency must be between 0 and 1 day.", nameof(Latency));
        }
        if (Jitter < TimeSpan.Zero || Jitter > MaxDelay)
        {
            throw new ArgumentException("Jitter must be between 0 and 1 day.", nameof(Jitter));
        }
        // SOCKS5 answers the code itself when under 256 (a reply code), so it may be a small number.
        if (StatusCode is > 599 || StatusCode < (Protocol == FaultyProxyProtocol.Socks5 ? 1 : 100))
        {
            throw new ArgumentException(Protocol == FaultyProxyProtocol.Socks5
                ? "StatusCode must be between 1 and 599 (under 256: the SOCKS5 reply code)." : "StatusCode must be between 100 and 599.", nameof(StatusCode));
        }
        if (AfterBytes < 0)
        {
            throw new ArgumentException("AfterBytes must not be negative.", nameof(AfterBytes));
        }
        if (BytesPerSecond < 0)
        {
            throw new ArgumentException("BytesPerSecond must not be negative (0 means unlimited).", nameof(BytesPerSecond));
        }
        ValidateCredentials();
    }

    private void ValidateCredentials()
    {
        if (UserName is null && Password is not null)
        {
            throw new ArgumentException("UserName is required when Password is set.", nameof(UserName));
        }
        if (UserName is not null && Password is null)
        {
            throw new ArgumentException("Password is required when UserName is set.", nameof(Password));
        }
        // Basic credentials are "user:pass": a colon in the user name could never match.
        if (UserName is not null && (UserName.Length == 0 || UserName.Contains(':')))
        {
            throw new ArgumentException("UserName must be non-empty and contain no ':'.", nameof(UserName));
        }
    }

    // The compiler-made ToString would print the password into logs and error messages.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Fault = ").Append(Fault)
            .Append(", FailureRate = ").Append(FailureRate.ToString(CultureInfo.InvariantCulture))
            .Append(", Latency = ").Append(Latency)
            .Append(", Jitter = ").Append(Jitter)
            .Append(", StatusCode = ").Append(StatusCode)
            .Append(", AfterBytes = ").Append(AfterBytes)
            .Append(", BytesPerSecond = ").Append(BytesPerSecond)
            .Append(", UserName = ").Append(UserName)
            .Append(", Password = ").Append(Password is null ? "" : "***");
        return true;
    }
}
