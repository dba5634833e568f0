using System.Management.Automation;
using System.Net;
using System.Security;
using NetDrift.Engine.Security;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// Turns a client password into the PBKDF2-SHA256 form a config's authentication.users[].password
/// accepts, so the file need not hold the password itself.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "NetDriftPasswordHash", DefaultParameterSetName = BySecureString)]
[OutputType(typeof(string))]
public sealed class ConvertToNetDriftPasswordHashCommand : PSCmdlet
{
    private const string BySecureString = "BySecureString";
    private const string ByCredential = "ByCredential";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = BySecureString)]
    public SecureString Password { get; set; } = new();

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByCredential)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>PBKDF2 iterations; more is slower to check and to crack.</summary>
    [Parameter]
    [ValidateRange(10_000, 10_000_000)]
    public int Iterations { get; set; } = PasswordHash.DefaultIterations;

    protected override void ProcessRecord()
    {
        var plain = ParameterSetName == ByCredential
            ? Credential.GetNetworkCredential().Password
            : new NetworkCredential(string.Empty, Password).Password;
        WriteObject(PasswordHash.Create(plain, Iterations));
    }
}
