namespace Estimo.Storage.Entities;

/// <summary>
/// A row of <c>personal_data_accounts</c>: an Atlassian account id that an installation's
/// stored data mentions (facilitator, delegate, participant, voter), kept so it can be reported
/// to Atlassian's personal data reporting API and erased when the account is closed.
/// </summary>
internal sealed class PersonalDataAccountEntity
{
    public required string InstallationId { get; set; }

    public required string AccountId { get; set; }

    /// <summary>When data naming the account was first stored; reported as <c>updatedAt</c>.</summary>
    public DateTimeOffset FirstStoredAt { get; set; }

    /// <summary>When data naming it was last written (refreshed at most daily).</summary>
    public DateTimeOffset LastStoredAt { get; set; }

    /// <summary>When it was last reported to Atlassian, if ever.</summary>
    public DateTimeOffset? LastReportedAt { get; set; }

    public InstallationEntity? Installation { get; set; }
}
