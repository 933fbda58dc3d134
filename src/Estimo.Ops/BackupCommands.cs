using System.CommandLine;
using System.Globalization;
using Estimo.Storage.Backups;
using Estimo.Storage.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops;

/// <summary>
/// <c>estimo-ops backup run|list|verify|drill</c> and <c>estimo-ops restore</c>. Every backup,
/// restore and drill is audited with the OS user as the actor. A restore verifies the whole
/// file (every chunk, digests, counts) before it touches a database, refuses a non-empty
/// database without <c>--force-non-empty</c>, refuses a second restore while one runs, and
/// refuses (audited) while a remote runs against the database (the database-in-use lock).
/// </summary>
internal static class BackupCommands
{
    /// <summary>The backup commands (<c>backup …</c>) and <c>restore</c>, both top level.</summary>
    public static Command[] Create(Option<string[]> set, KeyCommands.Runner run)
    {
        var run_ = new Command("run", "Take a backup now (then apply retention).") { set };
        run_.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var backups = await StartAsync(services, token);
            var result = await Guard(() => backups.BackupAsync(Actor, null, token));
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Backup {result.Id}: {result.Tables.Values.Sum()} row(s) in {result.Tables.Count} table(s), {result.Bytes} bytes, {result.EscrowedInstallations} installation key set(s) escrowed, to {backups.TargetDescription} in {result.Duration.TotalSeconds:0.0} s."));
            if (result.Deleted.Count > 0)
            {
                Console.WriteLine($"Retention deleted {result.Deleted.Count} old backup(s): {string.Join(", ", result.Deleted)}.");
            }
        }, ct));

        var list = new Command("list", "List the backups in the target, oldest first.") { set };
        list.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var backups = services.GetRequiredService<BackupService>();
            var all = await Guard(() => backups.ListAsync(token));
            Console.WriteLine($"{all.Count} backup(s) in {backups.TargetDescription}");
            foreach (var backup in all)
            {
                Console.WriteLine($"{backup.Id}  {backup.CreatedAt:yyyy-MM-dd HH:mm:ss}Z");
            }
        }, ct));

        var verifyId = Id();
        var verify = new Command("verify", "Read a whole backup: every chunk authenticated, digests and row counts checked.") { set, verifyId };
        verify.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var backups = await StartAsync(services, token);
            var result = await Guard(() => backups.VerifyAsync(parse.GetValue(verifyId)!, token));
            var m = result.Manifest;
            Console.WriteLine($"Backup {result.Id} is intact: taken {m.CreatedAt:yyyy-MM-dd HH:mm:ss}Z from {m.Provider}, schema {m.SchemaName}, "
                + $"{m.Tables.Values.Sum()} row(s) in {m.Tables.Count} table(s), {result.Bytes} bytes, key wrapped by {m.KeyProvider} {m.KekId}.");
        }, ct));

        var drillId = Id();
        var drill = new Command("drill", "Restore a backup into a scratch database, compare row counts, open a sample of sealed values.") { set, drillId };
        drill.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var backups = await StartAsync(services, token);
            var report = await Guard(() => backups.DrillAsync(parse.GetValue(drillId)!, Actor, token));
            if (!report.Succeeded)
            {
                throw new OpsException($"restore drill of {report.Id} FAILED: {report.Reason}");
            }

            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Restore drill of {report.Id} passed in {report.Duration.TotalSeconds:0.0} s: row counts match the manifest, {report.ValuesDecrypted} sealed value(s) opened."));
        }, ct));

        var backup = new Command("backup", "Encrypted backups: take, list, verify, drill.") { run_, list, verify, drill };

        var restoreId = Id();
        var dryRun = new Option<bool>("--dry-run") { Description = "Restore into a scratch database that is dropped afterwards." };
        var force = new Option<bool>("--force-non-empty") { Description = "Replace the contents of a non-empty database (same schema only)." };
        var restore = new Command("restore", "Restore a backup into the configured (empty) database, or as a dry run.") { set, restoreId, dryRun, force };
        restore.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var backups = await StartAsync(services, token);
            var report = await Guard(() => backups.RestoreAsync(parse.GetValue(restoreId)!, Actor, parse.GetValue(dryRun), parse.GetValue(force), token));
            Console.WriteLine($"{"table",-24} {"manifest",10} {"restored",10} {"purged",8}");
            foreach (var table in report.Tables)
            {
                Console.WriteLine($"{table.Name,-24} {table.InManifest,10} {table.Restored,10} {table.SkippedAsPurged,8}");
            }

            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{(report.DryRun ? "Dry run: restored into a scratch database (dropped)" : "Restored")} {report.Id} (schema {report.SchemaName}) in {report.Duration.TotalSeconds:0.0} s; "
                + $"{report.InstallationsSkippedAsPurged} purged installation(s) left out, {report.InstallationsWithoutKeys} installation(s) without data keys."));
            if (!report.CountsMatch)
            {
                throw new OpsException("the restored row counts differ from the manifest (see the table above).");
            }
        }, ct));

        return [backup, restore];
    }

    private static Argument<string> Id() => new("id") { Description = "The backup id (see 'estimo-ops backup list')." };

    /// <summary>The OS user running the command, as the audit record's actor.</summary>
    private static string Actor => Environment.UserName;

    private static async Task<BackupService> StartAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<IKeyEncryptionProvider>().CheckAsync(cancellationToken);
        return services.GetRequiredService<BackupService>();
    }

    /// <summary>A backup failure is one line for the operator.</summary>
    private static async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (BackupException ex)
        {
            throw new OpsException(ex.Message.Split('\n')[0].Trim(), ex);
        }
        catch (Microsoft.EntityFrameworkCore.DbUpdateException ex)
        {
            var cause = ex.InnerException ?? ex;
            throw new OpsException($"the database could not be used ({cause.GetType().Name}: {cause.Message.Split('\n')[0].Trim()}).", ex);
        }
    }
}
