using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Fuzz;

namespace NetDrift.Engine.Tests.Http;

/// <summary>
/// Replays every input `build.ps1 Fuzz` saved as a crash (tests/NetDrift.Engine.Tests/Http/FuzzRegressions)
/// through the same target the fuzzer runs, plus the fuzz seed corpus: none may throw.
/// </summary>
public sealed class FuzzRegressionTests
{
    [Fact(Timeout = 60_000)]
    public async Task SavedCrashesAndSeedCorpus_ReplayWithoutException()
    {
        await Task.Yield();
        var folders = new[]
        {
            Path.Combine(RepoPaths.Root, "tests", "NetDrift.Engine.Tests", "Http", "FuzzRegressions"),
            Path.Combine(RepoPaths.Root, "tests", "NetDrift.Fuzz", "corpus"),
        };
        var files = folders.Where(Directory.Exists)
            .SelectMany(Directory.GetFiles)
            .Where(f => !f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Take(2000)
            .ToArray();
        Assert.NotEmpty(files);
        using var pipe = OperatingSystem.IsWindows() ? null : new UnixPipe();
        var failures = new List<string>();
        foreach (var file in files)
        {
            try
            {
                FuzzTarget.Run(File.ReadAllBytes(file), pipe);
            }
            catch (Exception e)
            {
                failures.Add($"{Path.GetRelativePath(RepoPaths.Root, file)}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
