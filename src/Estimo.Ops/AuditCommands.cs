using System.CommandLine;
using Estimo.Ops.Access;
using Estimo.Storage.Backups;
using Estimo.Storage.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops;

/// <summary><c>estimo-ops audit …</c>: verify, export and anchor the hash-chained audit log.</summary>
internal static class AuditCommands
{
    public static Command Create(Option<string[]> set, KeyCommands.Runner run)
    {
        var anchors = new Option<FileInfo>("--anchors") { Description = "A file of exported anchors (JSON lines from 'audit anchor --out'); checks the chain still holds each." };
        var fromTarget = new Option<bool>("--anchors-from-target") { Description = "Also check every anchor exported to the backup target (audit-anchors/), which catches a truncated tail even when the database's own anchor records were deleted." };
        var verify = new Command("verify", "Check the whole chain and its anchors; names the first bad record.") { set, anchors, fromTarget };
        verify.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var external = new List<AuditAnchor>(parse.GetValue(anchors) is { } file ? await ReadAnchorsAsync(file, token) : []);
            string? exportedNote = null;
            if (parse.GetValue(fromTarget))
            {
                var exporter = services.GetRequiredService<AuditAnchorExporter>();
                var exported = await FromTargetAsync(() => exporter.ReadExportedAsync(token), exporter.Description);
                if (exported.FirstOrDefault(e => e.Anchor is null) is { } bad)
                {
                    throw new OpsException($"the exported anchor {bad.Name} in {exporter.Description} is not an anchor (damaged or edited).");
                }

                external.AddRange(exported.Select(e => e.Anchor!));
                exportedNote = $" ({exported.Count} exported anchor(s) from {exporter.Description})";
            }

            var result = await services.GetRequiredService<AuditChain>().VerifyAsync(external, token);
            if (!result.Valid)
            {
                throw new OpsException($"the audit chain is broken" + (result.FirstBadId is { } id ? $" at record id {id}" : string.Empty)
                    + $": {result.Problem} (intact through sequence {result.VerifiedThrough}).");
            }

            Console.WriteLine($"The audit chain is intact: {result.VerifiedThrough} record(s), {result.Anchors} anchor(s) checked{exportedNote}.");
        }, ct));

        var since = new Option<DateTimeOffset?>("--since") { Description = "Only records at or after this instant (ISO 8601)." };
        var exportOut = new Option<FileInfo>("--out") { Description = "Write to this file instead of standard output." };
        var export = new Command("export", "Write the audit log as JSON lines.") { set, since, exportOut };
        export.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var chain = services.GetRequiredService<AuditChain>();
            if (parse.GetValue(exportOut) is { } file)
            {
                await using var writer = new StreamWriter(file.FullName, append: false);
                var count = await chain.ExportAsync(parse.GetValue(since), writer, token);
                Console.WriteLine($"Exported {count} record(s) to {file.FullName}.");
            }
            else
            {
                await chain.ExportAsync(parse.GetValue(since), Console.Out, token);
            }
        }, ct));

        var anchorOut = new Option<FileInfo>("--out") { Description = "Also append the anchor as a JSON line to this file (keep it where the database's users cannot write)." };
        var toTarget = new Option<bool>("--to-target") { Description = "Also export the anchor to the backup target (audit-anchors/), as the remote does every Audit:AnchorInterval." };
        var anchor = new Command("anchor", "Sign the chain head with a key from the key provider and record it (the remote does this periodically).") { set, anchorOut, toTarget };
        anchor.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var made = await services.GetRequiredService<AuditChain>().AnchorAsync(OpsSession.Current.Actor, token);
            if (parse.GetValue(anchorOut) is { } file)
            {
                await File.AppendAllTextAsync(file.FullName, made.ToJsonLine() + "\n", token);
            }

            if (parse.GetValue(toTarget))
            {
                var store = services.GetRequiredService<IAuditAnchorStore>();
                await FromTargetAsync(async () =>
                {
                    await store.PutAnchorAsync(made, token);
                    return true;
                }, store.AnchorsDescription);
            }

            Console.WriteLine($"Anchored the chain at sequence {made.Sequence} ({made.Hash}).");
        }, ct));

        return new Command("audit", "The tamper-evident audit log.") { verify, export, anchor };
    }

    /// <summary>A failure of the backup target is one line for the operator.</summary>
    private static async Task<T> FromTargetAsync<T>(Func<Task<T>> action, string target)
    {
        try
        {
            return await action();
        }
        catch (BackupException ex)
        {
            throw new OpsException(ex.Message.Split('\n')[0].Trim(), ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OpsException($"the exported anchors in {target} cannot be used ({ex.GetType().Name}).", ex);
        }
    }

    private static async Task<IReadOnlyList<AuditAnchor>> ReadAnchorsAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            throw new OpsException($"{file.FullName} does not exist.");
        }

        var anchors = new List<AuditAnchor>();
        var number = 0;
        foreach (var line in await File.ReadAllLinesAsync(file.FullName, cancellationToken))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            anchors.Add(AuditAnchor.FromJsonLine(line) ?? throw new OpsException($"line {number} of {file.FullName} is not an anchor."));
        }

        return anchors;
    }
}
