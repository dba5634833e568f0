namespace NetDrift.Engine.Http;

/// <summary>One header line of a request or response head, as received.</summary>
public readonly record struct HeaderField(string Name, string Value);
