using Estimo.Core.Poker;

namespace Estimo.Storage.Entities;

/// <summary>
/// A row of <c>poker_sessions</c>. The listing columns are plain (ids, counts, status); the
/// whole session state, hidden votes included, is one sealed document in <see cref="SealedState"/>.
/// </summary>
internal sealed class PokerSessionEntity
{
    public required string Id { get; set; }

    public required string InstallationId { get; set; }

    public required string ProjectKey { get; set; }

    public long? BoardId { get; set; }

    public required string EstimationFieldId { get; set; }

    public SessionSourceKind SourceKind { get; set; }

    public long? SprintId { get; set; }

    public required string FacilitatorAccountId { get; set; }

    public PokerMode Mode { get; set; }

    public SessionStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public int IssueCount { get; set; }

    public int ParticipantCount { get; set; }

    /// <summary>The session's own version counter; the optimistic-concurrency token.</summary>
    public long Version { get; set; }

    public required byte[] SealedState { get; set; }

    public InstallationEntity? Installation { get; set; }
}
