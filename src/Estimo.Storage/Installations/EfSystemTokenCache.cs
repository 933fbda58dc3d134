using System.Security.Cryptography;
using System.Text;
using Estimo.Core.Installations;
using Estimo.Core.Security;
using Estimo.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Estimo.Storage.Installations;

/// <summary>
/// The system-token cache on EF Core. Tokens are sealed by <see cref="ISecretProtector"/>
/// bound to (<c>system_tokens</c>, <c>token</c>, installation id, installation id), so the
/// database never holds a usable token and a sealed token copied to another row won't open.
/// </summary>
/// <remarks>
/// <see cref="StoreAsync"/> for an installation that is not registered throws
/// <see cref="UnknownInstallationException"/>: a token must never outlive or precede its
/// tenant. A stored token that cannot be opened (key replaced, row tampered) is logged as an
/// error and treated as absent: it is a cache, and the next Forge invocation supplies a fresh
/// token that overwrites it.
/// </remarks>
internal sealed class EfSystemTokenCache(
    IDbContextFactory<EstimoDbContext> contexts,
    ISecretProtector protector,
    TimeProvider time,
    ILogger<EfSystemTokenCache> logger) : ISystemTokenCache
{
    internal const string Table = "system_tokens";
    internal const string Column = "token";
    private const int MaxAttempts = 3;

    public async Task StoreAsync(string installationId, string token, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(installationId);
        ArgumentException.ThrowIfNullOrEmpty(token);

        var plaintext = Encoding.UTF8.GetBytes(token);
        byte[] sealedToken;
        try
        {
            sealedToken = await protector.ProtectAsync(plaintext, Binding(installationId), cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        var expires = StorageTime.Normalize(expiresAt);
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var row = await db.SystemTokens.SingleOrDefaultAsync(t => t.InstallationId == installationId, cancellationToken);
            if (row is null)
            {
                if (!await db.Installations.AnyAsync(i => i.Id == installationId, cancellationToken))
                {
                    throw new UnknownInstallationException(installationId);
                }

                row = new SystemTokenEntity { InstallationId = installationId, SealedToken = sealedToken };
                db.SystemTokens.Add(row);
            }

            row.SealedToken = sealedToken;
            row.ExpiresAt = expires;
            row.UpdatedAt = StorageTime.Normalize(time.GetUtcNow());
            try
            {
                await db.SaveChangesAsync(cancellationToken);

                // A new token comes from a verified Forge invocation: the app is installed, so a
                // purge clock started by refused or missing tokens stops.
                await db.Installations.Where(i => i.Id == installationId && i.TokenRefusedSince != null)
                    .ExecuteUpdateAsync(i => i.SetProperty(x => x.TokenRefusedSince, (DateTimeOffset?)null), cancellationToken);
                return;
            }
            catch (DbUpdateException exception) when (db.IsForeignKeyViolation(exception))
            {
                throw new UnknownInstallationException(installationId, exception);
            }
            catch (DbUpdateException exception) when (attempt < MaxAttempts && db.IsUniqueViolation(exception))
            {
                // A concurrent store inserted first; the next attempt updates its row.
            }
        }
    }

    public async Task<string?> FindValidAsync(string installationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(installationId);
        var now = StorageTime.Normalize(time.GetUtcNow());
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var sealedToken = await db.SystemTokens.AsNoTracking()
            .Where(t => t.InstallationId == installationId && t.ExpiresAt > now)
            .Select(t => t.SealedToken)
            .SingleOrDefaultAsync(cancellationToken);
        if (sealedToken is null)
        {
            return null;
        }

        try
        {
            var plaintext = await protector.UnprotectAsync(sealedToken, Binding(installationId), cancellationToken);
            try
            {
                return Encoding.UTF8.GetString(plaintext);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
            }
        }
        catch (SecretUnprotectException exception)
        {
            StorageLog.SystemTokenUnreadable(logger, installationId, exception.Failure);
            return null;
        }
    }

    internal static SecretBinding Binding(string installationId) => new(Table, Column, installationId, installationId);
}
