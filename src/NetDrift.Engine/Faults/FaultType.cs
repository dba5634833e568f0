namespace NetDrift.Engine.Faults;

/// <summary>How a faulty proxy misbehaves when its fault strikes a connection (CONTRACT §6).</summary>
public enum FaultType
{
    /// <summary>A healthy upstream proxy: CONNECT and plain HTTP straight to the target.</summary>
    None,
    /// <summary>Waits <see cref="FaultyProxyOptions.Latency"/> again before answering; relays at <see cref="FaultyProxyOptions.BytesPerSecond"/>.</summary>
    Slow,
    /// <summary>Reads the request head, then resets the connection without answering.</summary>
    Reset,
    /// <summary>Accepts and reads, but never answers.</summary>
    Timeout,
    /// <summary>Answers <c>502 Bad Gateway</c> and closes.</summary>
    BadGateway,
    /// <summary>Answers <c>500 Internal Server Error</c> and closes.</summary>
    InternalError,
    /// <summary>Answers <see cref="FaultyProxyOptions.StatusCode"/> and closes.</summary>
    Status,
    /// <summary>Answers with bytes that are not HTTP, then closes.</summary>
    Garbage,
    /// <summary>Opens the tunnel, then closes it after <see cref="FaultyProxyOptions.AfterBytes"/> relayed bytes.</summary>
    Drop,
    /// <summary>Nothing listens on the port: connections are refused.</summary>
    Refuse,
}
