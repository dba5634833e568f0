using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Security;

/// <summary>
/// A login between <see cref="ClientAuthenticator.Begin"/> and its derivation. Settled (no
/// derivation needed) when <see cref="Derive"/> is null: then <see cref="User"/> is the answer.
/// Otherwise <see cref="Derive"/> is the stored hash to check against, the user's own (a match
/// logs in <see cref="Candidate"/>) or, with no candidate, the dummy (the answer stays <see cref="User"/>).
/// </summary>
internal sealed record LoginCheck(BasicCredentials Offered, UserConfig? User, UserConfig? Candidate, string? Derive)
{
    public bool IsSettled => Derive is null;
}
