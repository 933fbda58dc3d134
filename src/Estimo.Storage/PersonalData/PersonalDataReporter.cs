using Estimo.Core.Installations;
using Estimo.Core.Privacy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Estimo.Storage.PersonalData;

/// <summary>
/// Reports each installation's stored account ids to Atlassian's personal data reporting API,
/// in batches of at most 90, with that installation's cached system token, and acts on the
/// answer: a <c>closed</c> account's data is erased; an <c>updated</c> one needs nothing,
/// because we store no profile data (names, emails, avatars), only the id. A refused token
/// (401/403) starts the installation's purge clock (<c>Lifecycle:PurgeAfterTokenRefusedDays</c>),
/// and so does no token arriving at all for <see cref="TokenSilenceThreshold"/>.
/// </summary>
/// <remarks>
/// An installation without a valid cached token is skipped until one arrives (every Forge
/// invocation brings one; the daily scheduled trigger guarantees one a day). Rate limiting
/// (429 + Retry-After) and 5xx are retried by the API client with backoff; an installation still
/// failing is tried again at the next check, its last report time unchanged.
/// </remarks>
public sealed partial class PersonalDataReporter
{
    public const string Actor = "system:personal-data";

    /// <summary>No token for this long (two missed daily triggers) counts as the tokens having stopped.</summary>
    public static readonly TimeSpan TokenSilenceThreshold = TimeSpan.FromDays(2);

    private readonly PersonalDataLedger _ledger;
    private readonly ISystemTokenCache _tokens;
    private readonly IPersonalDataReportingApi _api;
    private readonly PersonalDataOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PersonalDataReporter> _log;

    public PersonalDataReporter(PersonalDataLedger ledger, ISystemTokenCache tokens, IPersonalDataReportingApi api, IOptions<PersonalDataOptions> options, TimeProvider time, ILogger<PersonalDataReporter> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ledger = ledger;
        _tokens = tokens;
        _api = api;
        _options = options.Value;
        _time = time;
        _log = log;
    }

    /// <summary>
    /// Reports every installation that is due (or every active one when <paramref name="force"/>).
    /// <paramref name="accountsKeptFor"/> is the longest stored data can outlive its last write
    /// (<c>Sessions:AbandonedAfter</c>); accounts not written for longer are dropped, not reported.
    /// </summary>
    public async Task<IReadOnlyList<InstallationReport>> RunAsync(bool force, TimeSpan accountsKeptFor, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var due = await _ledger.FindDueAsync(force ? now.AddTicks(1) : now - _options.ReportEvery, cancellationToken);
        var reports = new List<InstallationReport>(due.Count);
        foreach (var installation in due)
        {
            var report = await ReportAsync(installation, now - accountsKeptFor - PersonalDataLedger.RefreshStoredAfter, cancellationToken);
            Log.Reported(_log, installation.InstallationId, report.Outcome, report.Reported, report.Closed, report.Updated);
            reports.Add(report);
        }

        return reports;
    }

    private async Task<InstallationReport> ReportAsync(ReportableInstallation installation, DateTimeOffset storedBefore, CancellationToken cancellationToken)
    {
        var id = installation.InstallationId;
        var token = await _tokens.FindValidAsync(id, cancellationToken);
        if (token is null)
        {
            // Tokens stop coming when the app is uninstalled: after two missed daily triggers,
            // that starts the purge clock just as a refused token does.
            await _ledger.RecordTokenAbsentAsync(id, TokenSilenceThreshold, cancellationToken);
            return new InstallationReport(id, ReportRunOutcome.NoToken, 0, 0, 0, []);
        }

        var accounts = await _ledger.AccountsToReportAsync(id, storedBefore, cancellationToken);
        int batches = 0, closed = 0, updated = 0;
        var erased = new List<ErasureResult>();
        foreach (var batch in accounts.Chunk(IPersonalDataReportingApi.MaxBatch))
        {
            var result = await _api.ReportAsync(installation.ApiBaseUrl, token, [.. batch.Select(a => new ReportedAccount(a.AccountId, a.FirstStoredAt))], cancellationToken);
            batches++;
            if (!result.Succeeded)
            {
                if (result.Failure == ReportFailure.TokenRefused)
                {
                    await _ledger.RecordTokenRefusedAsync(id, cancellationToken);
                }

                return new InstallationReport(id, Outcome(result.Failure), accounts.Count, closed, updated, erased);
            }

            var reported = batch.Select(a => a.AccountId).ToHashSet(StringComparer.Ordinal);
            foreach (var account in result.Accounts.Where(a => reported.Contains(a.AccountId)))
            {
                if (account.Status == AccountPrivacyStatus.Closed)
                {
                    erased.Add(await _ledger.EraseAccountAsync(id, account.AccountId, Actor, cancellationToken));
                    closed++;
                }
                else
                {
                    // Nothing to refresh: we store the account id only, never profile data.
                    updated++;
                }
            }
        }

        await _ledger.RecordReportedAsync(id, new ReportOutcome(accounts.Count, batches, closed, updated), cancellationToken);
        return new InstallationReport(id, ReportRunOutcome.Reported, accounts.Count, closed, updated, erased);
    }

    private static ReportRunOutcome Outcome(ReportFailure failure) => failure switch
    {
        ReportFailure.TokenRefused => ReportRunOutcome.TokenRefused,
        ReportFailure.RateLimited => ReportRunOutcome.RateLimited,
        ReportFailure.Unavailable => ReportRunOutcome.Unavailable,
        _ => ReportRunOutcome.Rejected,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 3621, Level = LogLevel.Information, Message = "Personal data report for installation {InstallationId}: {Outcome}; {Reported} account(s) reported, {Closed} closed (erased), {Updated} updated (nothing stored to refresh)")]
        public static partial void Reported(ILogger logger, string installationId, ReportRunOutcome outcome, int reported, int closed, int updated);
    }
}

/// <summary>How one installation's report went.</summary>
public enum ReportRunOutcome
{
    Reported,
    NoToken,
    TokenRefused,
    RateLimited,
    Unavailable,
    Rejected,
}

/// <summary>One installation's report: counts and the sessions changed by erasures.</summary>
public sealed record InstallationReport(string InstallationId, ReportRunOutcome Outcome, int Reported, int Closed, int Updated, IReadOnlyList<ErasureResult> Erasures);
