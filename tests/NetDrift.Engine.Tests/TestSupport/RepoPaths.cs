namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>Finds the repository root (the folder holding NetDrift.sln) and the shared test data beside it.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    /// <summary>The <c>shared</c> folder that sits next to the repository.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string GoNetDrift(string fileName) => Path.Combine(Shared, "go-netdrift", fileName);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NetDrift.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"NetDrift.sln not found above {AppContext.BaseDirectory}");
    }
}
