namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>Finds the repository root (the folder holding NetDrift.sln) and the test data inside it.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    /// <summary>The Go program's templates and <c>/stats</c> sample, kept as data under <c>tests/data</c>.</summary>
    public static string GoNetDrift(string fileName) => Path.Combine(Root, "tests/data/go-netdrift", fileName);

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
