using System.Management.Automation;
using NetDrift.PowerShell.Watch;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// A live console view of a proxy's upstreams, redrawn in place every -Interval until Ctrl+C (or
/// -Count refreshes). When output is not a terminal, each refresh is printed as plain lines.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "NetDriftStats")]
[OutputType(typeof(void))]
public sealed class WatchNetDriftStatsCommand : PSCmdlet
{
    private const int PlainConnectionRows = 20;
    private readonly CancellationTokenSource _stop = new();

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    [Parameter]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Stop after this many refreshes (0: until Ctrl+C).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Count { get; set; }

    /// <summary>Also show the open connections, below the upstream table.</summary>
    [Parameter]
    public SwitchParameter Connections { get; set; }

    protected override void ProcessRecord()
    {
        if (Interval < TimeSpan.FromMilliseconds(100))
        {
            ThrowTerminatingError(CmdletErrors.Record(ErrorIds.InvalidInterval, ErrorCategory.InvalidArgument, Interval,
                "-Interval must be at least 100 ms."));
        }
        var server = ProxyResolver.Resolve(this, Proxy);
        var view = new WatchView();
        var inPlace = Host.UI.SupportsVirtualTerminal && !Console.IsOutputRedirected;
        var previousLines = 0;
        for (var refresh = 1; !_stop.IsCancellationRequested; refresh++)
        {
            var rows = view.Sample(server);
            var width = inPlace ? Math.Max(40, Host.UI.RawUI.WindowSize.Width - 1) : 160;
            var lines = WatchView.Render(server, rows, Interval, DateTimeOffset.Now, width);
            if (Connections)
            {
                // In a terminal, as many as fit below the upstream table; printed plainly, a fixed top 20.
                var fits = inPlace ? Host.UI.RawUI.WindowSize.Height - lines.Count - 5 : PlainConnectionRows;
                lines = [.. lines, .. ConnectionsView.Render(server.GetConnections(), DateTimeOffset.UtcNow, fits).Select(l => WatchView.Cut(l, width))];
            }
            if (inPlace)
            {
                Host.UI.Write(WatchView.Redraw(lines, previousLines));
                previousLines = lines.Count;
            }
            else
            {
                foreach (var line in lines)
                {
                    Host.UI.WriteLine(line);
                }
                Host.UI.WriteLine();
            }
            if (Count > 0 && refresh >= Count)
            {
                return;
            }
            _stop.Token.WaitHandle.WaitOne(Interval);
        }
    }

    protected override void StopProcessing() => _stop.Cancel();
}
