namespace Estimo.Core.Privacy;

/// <summary>What Atlassian said about one reported account.</summary>
public enum AccountPrivacyStatus
{
    /// <summary>The account was closed: erase its personal data.</summary>
    Closed,

    /// <summary>The account's profile changed after the reported <c>updatedAt</c>: refresh stored profile data.</summary>
    Updated,
}

/// <summary>Why a report call did not give an answer.</summary>
public enum ReportFailure
{
    None,

    /// <summary>401 or 403: the system token was refused (uninstalled, revoked, or lacks the scope).</summary>
    TokenRefused,

    /// <summary>Still 429 after the permitted waits.</summary>
    RateLimited,

    /// <summary>5xx or unreachable, after the retries.</summary>
    Unavailable,

    /// <summary>Another 4xx: the request itself was wrong.</summary>
    Rejected,
}

/// <summary>An account to report: its id and when we stored data about it.</summary>
public sealed record ReportedAccount(string AccountId, DateTimeOffset UpdatedAt);

/// <summary>One account that needs action.</summary>
public sealed record AccountStatus(string AccountId, AccountPrivacyStatus Status);

/// <summary>The answer to one batch: the accounts that need action (empty on 204), or why there is none.</summary>
public sealed record ReportResult(IReadOnlyList<AccountStatus> Accounts, ReportFailure Failure, TimeSpan? RetryAfter = null)
{
    public bool Succeeded => Failure == ReportFailure.None;
}

/// <summary>
/// Atlassian's personal data reporting API (<c>POST /app/report-accounts/</c>), as the port the
/// reporter calls; the Forge adapter implements it over HTTP.
/// </summary>
public interface IPersonalDataReportingApi
{
    /// <summary>The most accounts one call may carry.</summary>
    const int MaxBatch = 90;

    /// <summary>Reports one batch (1 to <see cref="MaxBatch"/> accounts) with the installation's system token.</summary>
    Task<ReportResult> ReportAsync(Uri apiBaseUrl, string systemToken, IReadOnlyCollection<ReportedAccount> accounts, CancellationToken cancellationToken);
}
