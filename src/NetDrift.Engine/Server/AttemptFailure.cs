namespace NetDrift.Engine.Server;

/// <summary>Why one attempt on an upstream failed: the causes stats break failures down by.</summary>
public enum AttemptFailure
{
    None,
    /// <summary>Connection refused, or the host did not resolve.</summary>
    Refused,
    /// <summary>Reset or closed before it answered.</summary>
    Reset,
    /// <summary>No connection or no answer within upstream_timeout.</summary>
    Timeout,
    /// <summary>Answered with a non-2xx status (other than 407).</summary>
    UpstreamStatus,
    /// <summary>Answered 407: NetDrift's credentials for it are wrong or missing.</summary>
    Auth,
    /// <summary>Answered with something that is not HTTP.</summary>
    Protocol,
}
