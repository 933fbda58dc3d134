using System.Data;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Estimo.Core.Diagnostics;
using Estimo.Core.Security;
using Estimo.Storage.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Estimo.Storage.Backups;

/// <summary>The restore drill: a dry-run restore plus a sample of sealed values opened with the escrowed keys.</summary>
public sealed partial class BackupService
{
    /// <summary>
    /// Restores backup <paramref name="id"/> into a scratch database, checks every table's row
    /// count against the manifest and opens a sample of sealed values with the escrowed keys;
    /// records the outcome (audit, metric, log). Never throws for a failed drill: the report says so.
    /// </summary>
    public async Task<DrillReport> DrillAsync(string id, string actor, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var at = _time.GetUtcNow();
        RestoreReport? restore = null;
        var decrypted = 0;
        string? reason = null;
        try
        {
            restore = await RestoreCoreAsync(id, actor, dryRun: true, forceNonEmpty: false, async factory => decrypted = await OpenSampleAsync(factory, cancellationToken), cancellationToken);
            if (!restore.CountsMatch)
            {
                var wrong = restore.Tables.First(t => t.Restored + t.SkippedAsPurged != t.InManifest);
                reason = $"table {wrong.Name}: {wrong.Restored} rows restored, the manifest lists {wrong.InManifest}.";
            }
        }
#pragma warning disable CA1031 // Whatever makes a drill fail is its result: recorded, counted, logged.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            reason = ex is BackupException or SecretUnprotectException or KeyProviderException
                ? ex.Message
                : $"{ex.GetType().Name}: {ex.Message.Split('\n')[0].Trim()}";
        }

        var succeeded = reason is null;
        OperationalMetrics.RestoreDrillFinished(succeeded);
        if (succeeded)
        {
            Log.DrillSucceeded(_log, id, clock.ElapsedMilliseconds, decrypted);
        }
        else
        {
            Log.DrillFailed(_log, id, reason!);
        }

        await AuditAsync(actor, "backup.drill", id, new JsonObject
        {
            ["outcome"] = succeeded ? "success" : "failure",
            ["durationMs"] = clock.ElapsedMilliseconds,
            ["valuesDecrypted"] = decrypted,
            ["reason"] = reason,
        }, cancellationToken);
        return new DrillReport(id, at, succeeded, clock.Elapsed, decrypted, reason, restore);
    }

    /// <summary>Opens up to <see cref="BackupOptions.DrillSampleSize"/> sealed values of the scratch database with its own keys.</summary>
    private async Task<int> OpenSampleAsync(IDbContextFactory<EstimoDbContext> scratch, CancellationToken cancellationToken)
    {
        using var ring = new DataKeyRing(scratch, _keys, _security, _time, _loggers.CreateLogger<DataKeyRing>());
        var protector = new EnvelopeSecretProtector(ring, _loggers.CreateLogger<EnvelopeSecretProtector>());
        await using var db = await scratch.CreateDbContextAsync(cancellationToken);
        var sample = Math.Max(1, _options.DrillSampleSize);
        var sessions = await db.PokerSessions.AsNoTracking().OrderBy(s => s.UpdatedAt).Take(sample)
            .Select(s => new { s.Id, s.InstallationId, s.SealedState }).ToListAsync(cancellationToken);
        var tokens = await db.SystemTokens.AsNoTracking().OrderBy(t => t.UpdatedAt).Take(sample)
            .Select(t => new { t.InstallationId, t.SealedToken }).ToListAsync(cancellationToken);
        var opened = 0;
        foreach (var session in sessions)
        {
            var plain = await protector.UnprotectAsync(session.SealedState, Sessions.EfPokerSessionStore.Binding(session.InstallationId, session.Id), cancellationToken);
            CryptographicOperations.ZeroMemory(plain);
            opened++;
        }

        foreach (var token in tokens)
        {
            var plain = await protector.UnprotectAsync(token.SealedToken, Installations.EfSystemTokenCache.Binding(token.InstallationId), cancellationToken);
            CryptographicOperations.ZeroMemory(plain);
            opened++;
        }

        return opened;
    }
}
