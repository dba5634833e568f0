namespace NetDrift.Engine.Server;

/// <summary>
/// server.shutdown_delay_seconds: the pause between /healthz turning 503 and the listener closing,
/// so a balancer's health check takes the instance out before its port refuses anybody.
/// </summary>
internal static class ShutdownDelay
{
    /// <summary>Waits <paramref name="delay"/>; a cancelled stop skips the rest of it, never throws.</summary>
    public static async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The caller wants the stop over with: go straight to closing.
        }
    }
}
