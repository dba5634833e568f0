using System.Globalization;
using System.Runtime.InteropServices;

namespace NetDrift.LoadGen;

/// <summary>
/// CPU time of the processes under test and all their descendants (squid's helpers, haproxy's
/// workers), read from /proc/PID/stat: utime+stime (all threads of the process) plus cutime+cstime,
/// so a child that exits and is reaped inside the window still counts. Descendants are found by
/// parent pid over all of /proc, afresh at each reading: /proc/PID/task/TID/children needs
/// CONFIG_PROC_CHILDREN, which some kernels (this VM's) lack.
/// </summary>
internal static class ProcessCpu
{
    private const int ScClkTck = 2;

    /// <summary>sysconf(_SC_CLK_TCK); 100 where libc cannot say.</summary>
    public static double TicksPerSecond { get; } = ReadTicksPerSecond();

    /// <summary>The reading a window starts from; null when no pids are given (nothing to measure).</summary>
    public static double? Start(IReadOnlyCollection<int> roots) => roots.Count > 0 ? ReadSeconds(roots) : null;

    /// <summary>
    /// CPU seconds since <paramref name="start"/>, null when not measuring. Never negative: a root
    /// that exits inside the window takes its time with it, and half a figure is no figure.
    /// </summary>
    public static double? Since(double? start, IReadOnlyCollection<int> roots) =>
        start is null ? null : Math.Max(0, ReadSeconds(roots) - start.Value);

    /// <summary>
    /// CPU seconds the whole machine spent busy so far (every core, every process: /proc/stat's
    /// first line less idle and iowait). Less the three parties' own, it is what other work on the
    /// machine took during a window.
    /// </summary>
    public static double MachineBusySeconds()
    {
        var first = File.ReadLines("/proc/stat").First();
        var fields = first.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long busy = 0;
        // cpu user nice system idle iowait irq softirq steal ...: idle (4) and iowait (5) are not
        // busy, and steal (8) is time the hypervisor gave to someone else, not to this machine.
        for (var i = 1; i < Math.Min(fields.Length, 8); i++)
        {
            if (i is not (4 or 5))
            {
                busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
            }
        }
        return busy / TicksPerSecond;
    }

    /// <summary>Total CPU seconds of the trees rooted at these pids so far.</summary>
    private static double ReadSeconds(IReadOnlyCollection<int> roots)
    {
        var children = new Dictionary<int, List<int>>();
        var ticks = new Dictionary<int, long>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && TryReadStat(pid, out var parent, out var processTicks))
            {
                ticks[pid] = processTicks;
                if (!children.TryGetValue(parent, out var siblings))
                {
                    children[parent] = siblings = [];
                }
                siblings.Add(pid);
            }
        }
        long total = 0;
        var seen = new HashSet<int>();
        var pending = new Stack<int>(roots);
        while (pending.TryPop(out var pid))
        {
            // A pid given twice, or a root that descends from another root, counts once.
            if (!seen.Add(pid))
            {
                continue;
            }
            total += ticks.GetValueOrDefault(pid);
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                pending.Push(child);
            }
        }
        return total / TicksPerSecond;
    }

    /// <summary>Fields 4 (ppid) and 14-17 (utime, stime, cutime, cstime); false when the process is gone.</summary>
    private static bool TryReadStat(int pid, out int parent, out long ticks)
    {
        (parent, ticks) = (0, 0);
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        if (fields.Length < 15 || !int.TryParse(fields[1], CultureInfo.InvariantCulture, out parent))
        {
            return false;
        }
        for (var field = 11; field <= 14; field++)
        {
            ticks += long.Parse(fields[field], CultureInfo.InvariantCulture);
        }
        return true;
    }

    private static double ReadTicksPerSecond()
    {
        try
        {
            var ticks = SysConf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }

    // DllImport, not LibraryImport: the generated stub would need unsafe code for a call this plain.
    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);
}
