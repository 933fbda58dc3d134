using Estimo.Simulator.Jira;

namespace Estimo.Simulator.Auth;

/// <summary>Who is calling the simulated Jira API, and with which token.</summary>
public sealed record JiraCaller(SimUser User, IssuedToken Token)
{
    private const string ItemKey = "Estimo.Simulator.JiraCaller";

    public bool IsApp => Token.Kind is TokenKind.AppUser or TokenKind.AppSystem;

    public void Attach(HttpContext context) => context.Items[ItemKey] = this;

    public static JiraCaller From(HttpContext context) =>
        context.Items[ItemKey] as JiraCaller ?? throw new InvalidOperationException("The Jira API filter did not run for this endpoint.");
}
