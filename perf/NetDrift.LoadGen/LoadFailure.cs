namespace NetDrift.LoadGen;

/// <summary>An operation that failed for a reason already named: the kind is the errorKinds key.</summary>
internal sealed class LoadFailure(string kind) : Exception(kind)
{
    /// <summary>The peer closed before sending a single byte of the answer.</summary>
    public const string Closed = "closed";
    public const string BadResponse = "bad response";
    public const string Truncated = "truncated";

    public string Kind => Message;

    /// <summary>A non-200 answer: "status 502" from the proxy, "origin status 404" through a tunnel.</summary>
    public static LoadFailure Status(int status, bool fromOrigin = false) => new(fromOrigin ? $"origin status {status}" : $"status {status}");
}
