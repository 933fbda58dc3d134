using System.CommandLine;
using Estimo.Ops.Access;
using Estimo.Storage.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops;

/// <summary><c>estimo-ops audit …</c>: verify, export and anchor the hash-chained audit log.</summary>
internal static class AuditCommands
{
    public static Command Create(Option<string[]> set, KeyCommands.Runner run)
    {
        var anchors = new Option<FileInfo>("--anchors") { Description = "A file of exported anchors (JSON lines from 'audit anchor --out'); checks the chain still holds each." };
        var verify = new Command("verify", "Check the whole chain and its anchors; names the first bad record.") { set, anchors };
        verify.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var external = parse.GetValue(anchors) is { } file ? await ReadAnchorsAsync(file, token) : [];
            var result = await services.GetRequiredService<AuditChain>().VerifyAsync(external, token);
            if (!result.Valid)
            {
                throw new OpsException($"the audit chain is broken" + (result.FirstBadId is { } id ? $" at record id {id}" : string.Empty)
                    + $": {result.Problem} (intact through sequence {result.VerifiedThrough}).");
            }

            Console.WriteLine($"The audit chain is intact: {result.VerifiedThrough} record(s), {result.Anchors} anchor(s) checked.");
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
        var anchor = new Command("anchor", "Sign the chain head with a key from the key provider and record it (run periodically).") { set, anchorOut };
        anchor.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var made = await services.GetRequiredService<AuditChain>().AnchorAsync(OpsSession.Current.Actor, token);
            if (parse.GetValue(anchorOut) is { } file)
            {
                await File.AppendAllTextAsync(file.FullName, made.ToJsonLine() + "\n", token);
            }

            Console.WriteLine($"Anchored the chain at sequence {made.Sequence} ({made.Hash}).");
        }, ct));

        return new Command("audit", "The tamper-evident audit log.") { verify, export, anchor };
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
