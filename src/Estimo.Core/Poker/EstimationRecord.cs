using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Estimo.Core.Poker;

/// <summary>
/// The history of one accepted estimate, which the browser writes to the Jira issue as an entity
/// property so the estimate's story stays with the issue (and in Jira, not on our server).
/// </summary>
/// <remarks>
/// <para>JSON shape (System.Text.Json, camelCase, null members omitted; see <see cref="ToJson"/>):</para>
/// <code>
/// {
///   "schemaVersion": 1,
///   "sessionId": "6f1c…",
///   "deckId": "fibonacci",
///   "finalLabel": "5",            // omitted when a free value was accepted
///   "finalValue": 5,              // omitted for a non-numeric card
///   "distribution": [ { "label": "3", "count": 1 }, { "label": "5", "count": 3 } ],
///   "roundCount": 2,
///   "participantAccountIds": [ "5b10ac8d82e05b22cc7d4ef5", "…" ],
///   "participantCount": 4,
///   "acceptedBy": "5b10ac8d82e05b22cc7d4ef5",
///   "estimatedAt": "2026-11-28T23:59:00+00:00"
/// }
/// </code>
/// <para>Jira limits an entity property to 32 KB. The record holds at most
/// <see cref="MaxListedParticipants"/> account ids (128 characters at most each) and one
/// distribution entry per card (30 at most), so it stays under about 15 KB;
/// <see cref="ParticipantCount"/> keeps the true number when the list is cut.</para>
/// <para>The distribution is taken only from a revealed round: a record must never publish
/// votes the room did not see.</para>
/// </remarks>
public sealed record EstimationRecord
{
    /// <summary>The current <see cref="SchemaVersion"/>; bump it when the shape changes incompatibly.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>The most account ids listed.</summary>
    public const int MaxListedParticipants = 100;

    /// <summary>Jira's entity property size limit, in bytes of UTF-8 JSON.</summary>
    public const int MaxJsonBytes = 32 * 1024;

    /// <summary>Lets readers handle old shapes.</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The session the estimate came from.</summary>
    public required string SessionId { get; init; }

    /// <summary>The deck voted with.</summary>
    public required string DeckId { get; init; }

    /// <summary>The accepted card's label, if a card was accepted.</summary>
    public string? FinalLabel { get; init; }

    /// <summary>The accepted number, if any.</summary>
    public decimal? FinalValue { get; init; }

    /// <summary>Votes per card in the deciding round (the accepted round if revealed, else the last revealed one), in deck order.</summary>
    public required IReadOnlyList<CardCount> Distribution { get; init; }

    /// <summary>How many rounds the issue took.</summary>
    public required int RoundCount { get; init; }

    /// <summary>Everyone who voted in any round, sorted, at most <see cref="MaxListedParticipants"/>.</summary>
    public required IReadOnlyList<string> ParticipantAccountIds { get; init; }

    /// <summary>How many people voted in any round (may exceed the list's length).</summary>
    public required int ParticipantCount { get; init; }

    /// <summary>Who accepted the estimate.</summary>
    public required string AcceptedBy { get; init; }

    /// <summary>When it was accepted.</summary>
    public required DateTimeOffset EstimatedAt { get; init; }

    /// <summary>
    /// Builds the record for <paramref name="issueId"/>; <see cref="PokerErrorKind.NotFound"/> if
    /// the issue is not in the session, <see cref="PokerErrorKind.InvalidState"/> if it has no
    /// accepted estimate yet.
    /// </summary>
    public static PokerResult<EstimationRecord> From(PokerSession session, string issueId)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.FindIssue(issueId) is not { } issue)
        {
            return new(null, new PokerError(PokerErrorKind.NotFound, "No such issue in this session."));
        }

        if (issue.Accepted is not { } accepted)
        {
            return new(null, new PokerError(PokerErrorKind.InvalidState, "The issue has no accepted estimate."));
        }

        var deciding = issue.Rounds.FirstOrDefault(r => r.Number == accepted.RoundNumber && r.IsRevealed)
            ?? issue.Rounds.LastOrDefault(r => r.IsRevealed);
        var distribution = deciding is null ? [] : VoteStatistics.Compute(session.Deck, deciding.Votes.Values).Distribution;

        // Only revealed rounds name their voters; an unrevealed round's voters are not history yet.
        var voters = issue.Rounds
            .Where(r => r.IsRevealed)
            .SelectMany(r => r.Votes.Keys)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

        return new(
            new EstimationRecord
            {
                SessionId = session.Id,
                DeckId = session.Deck.Id,
                FinalLabel = accepted.Label,
                FinalValue = accepted.Value,
                Distribution = distribution,
                RoundCount = issue.Rounds.Count,
                ParticipantAccountIds = [.. voters.Take(MaxListedParticipants)],
                ParticipantCount = voters.Count,
                AcceptedBy = accepted.AcceptedBy,
                EstimatedAt = accepted.AcceptedAt,
            },
            null);
    }

    /// <summary>Serializes to the documented camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, EstimationRecordJsonContext.Default.EstimationRecord);

    /// <summary>Size of <see cref="ToJson"/> in UTF-8 bytes, to compare with <see cref="MaxJsonBytes"/>.</summary>
    public int JsonByteCount() => Encoding.UTF8.GetByteCount(ToJson());

    /// <summary>Reads a record written by <see cref="ToJson"/>; <see langword="null"/> for the JSON literal null.</summary>
    /// <exception cref="JsonException">The text is not a valid record.</exception>
    public static EstimationRecord? FromJson(string json) =>
        JsonSerializer.Deserialize(json, EstimationRecordJsonContext.Default.EstimationRecord);
}

/// <summary>Source-generated serializer for <see cref="EstimationRecord"/>: no reflection, a fixed shape.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EstimationRecord))]
internal sealed partial class EstimationRecordJsonContext : JsonSerializerContext;
