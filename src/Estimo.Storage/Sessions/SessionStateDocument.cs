using System.Text.Json;
using System.Text.Json.Serialization;
using Estimo.Core.Poker;

namespace Estimo.Storage.Sessions;

/// <summary>
/// The sealed JSON document of one session: the aggregate's snapshot plus, per participant,
/// the issues hidden from them. Versioned by the snapshot's schema version.
/// </summary>
internal sealed record SessionStateDocument(PokerSessionSnapshot Session, Dictionary<string, string[]> HiddenIssues)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Serialize(StoredPokerSession stored) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new SessionStateDocument(
                stored.Session.ToSnapshot(),
                stored.HiddenIssues.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal)),
            Json);

    public static SessionStateDocument Deserialize(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize<SessionStateDocument>(utf8, Json)
            ?? throw new JsonException("The session document is empty.");
}
