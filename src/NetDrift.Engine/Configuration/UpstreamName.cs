namespace NetDrift.Engine.Configuration;

/// <summary>
/// What an upstream name may hold. Names travel in the <c>X-NetDrift-Upstream</c> response header,
/// log lines and metric labels, so a control character (CR, LF, NUL, DEL, C1) could split a header
/// or forge a log line: such a name is refused where it enters, naming the field.
/// </summary>
public static class UpstreamName
{
    /// <summary>Null when <paramref name="name"/> is usable, else why not.</summary>
    public static string? Problem(string name)
    {
        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                return $"must not contain control characters (found U+{(int)c:X4}); names go into headers and logs";
            }
        }
        return null;
    }
}
