using System.Management.Automation;
using NetDrift.Engine.Faults;

namespace NetDrift.PowerShell.Commands;

/// <summary>Applies the fault knobs shared by Start- and Set-FaultyProxy: only those the user bound change.</summary>
internal static class FaultKnobs
{
    public static FaultyProxyOptions Apply(PSCmdlet cmdlet, FaultyProxyOptions options, FaultType? fault, double? failureRate,
        TimeSpan? latency, TimeSpan? jitter, int? statusCode, long? afterBytes, long? bytesPerSecond, PSCredential? credential)
    {
        options = options with
        {
            Fault = fault ?? options.Fault,
            FailureRate = failureRate ?? options.FailureRate,
            Latency = latency ?? options.Latency,
            Jitter = jitter ?? options.Jitter,
            StatusCode = statusCode ?? options.StatusCode,
            AfterBytes = afterBytes ?? options.AfterBytes,
            BytesPerSecond = bytesPerSecond ?? options.BytesPerSecond,
        };
        if (credential is not null)
        {
            options = options with { UserName = credential.UserName, Password = credential.GetNetworkCredential().Password };
        }
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            cmdlet.ThrowTerminatingError(CmdletErrors.Record(e, ErrorIds.InvalidFaultOptions, ErrorCategory.InvalidArgument, options.Fault));
        }
        return options;
    }
}
