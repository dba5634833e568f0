namespace NetDrift.Engine.Sources;

/// <summary>An upstream list that could not be read; the message completes "the source ..." and shows no secret.</summary>
internal sealed class UpstreamListFetchException(string message) : Exception(message);
