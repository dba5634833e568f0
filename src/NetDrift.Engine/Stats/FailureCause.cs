namespace NetDrift.Engine.Stats;

/// <summary>Why an attempt on an upstream failed: the causes failures are broken down by.</summary>
public enum FailureCause
{
    /// <summary>Connection refused, or the host did not resolve.</summary>
    Refused,
    /// <summary>Reset or closed before it answered.</summary>
    Reset,
    /// <summary>No connection or no answer within upstream_timeout.</summary>
    Timeout,
    /// <summary>Answered with a non-2xx status other than 407.</summary>
    UpstreamStatus,
    /// <summary>Answered 407: NetDrift's credentials for it are wrong or missing.</summary>
    Auth,
    /// <summary>Answered with something that is not HTTP.</summary>
    Protocol,
    /// <summary>The proxy stopped mid-attempt: counted, but not the upstream's fault.</summary>
    Cancelled,
    /// <summary>
    /// The upstream answered CONNECT with 502, 503 or 504: the target failed, not the upstream
    /// (CONTRACT §7). Counted, never against passive health unless another upstream then reaches
    /// the same target in the same request.
    /// </summary>
    TargetUnreachable,
}
