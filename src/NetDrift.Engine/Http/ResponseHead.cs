namespace NetDrift.Engine.Http;

/// <summary>A parsed response head from an upstream proxy or origin.</summary>
public sealed class ResponseHead
{
    public required string Version { get; init; }
    public required int StatusCode { get; init; }
    public required string ReasonPhrase { get; init; }
    public required HttpHeaders Headers { get; init; }

    public bool IsSuccess => StatusCode is >= 200 and <= 299;
}
