using System.CommandLine;
using Estimo.Storage.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops;

/// <summary>
/// <c>estimo-ops keys …</c>: KEK and DEK rotation and crypto-shredding. Every command writes
/// an audit record naming the OS user who ran it; a failed audit write aborts the command.
/// Long commands print one line per batch and can be interrupted and run again.
/// </summary>
internal static class KeyCommands
{
    public delegate Task<int> Runner(string[] settings, Func<IServiceProvider, CancellationToken, Task> action, CancellationToken cancellationToken);

    public static Command Create(Option<string[]> set, Runner run)
    {
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per transaction.", DefaultValueFactory = _ => 500 };
        batchSize.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 100_000)
            {
                result.AddError("--batch-size must be between 1 and 100000.");
            }
        });

        var primary = new Option<bool>("--primary") { Description = "Make the new KEK the primary (new data keys and 'keys rewrap' use it)." };
        var addKek = new Command("add-kek", "Add a new KEK to the local keyring.") { set, primary };
        addKek.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var keys = await StartAsync(services, token);
            var id = await keys.AddKekAsync(Actor, parse.GetValue(primary), token);
            Console.WriteLine(parse.GetValue(primary)
                ? $"Added KEK {id} as primary. Run 'estimo-ops keys rewrap' to move every data key under it."
                : $"Added KEK {id}.");
        }, ct));

        var rewrap = new Command("rewrap", "Re-wrap every data key under the primary KEK (resumable; the service keeps serving).") { set, batchSize };
        rewrap.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var keys = await StartAsync(services, token);
            var result = await keys.RewrapAsync(Actor, parse.GetValue(batchSize), Console.WriteLine, token);
            Console.WriteLine($"Re-wrapped {result.Rewrapped} data key(s) under {result.Primary}" + (result.From.Count > 0 ? $" (from {string.Join(", ", result.From)})." : "."));
        }, ct));

        var kekId = new Argument<string>("kek-id") { Description = "The KEK to retire." };
        var retireKek = new Command("retire-kek", "Remove a KEK that no data key is wrapped by any more.") { set, kekId };
        retireKek.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var keys = await StartAsync(services, token);
            var result = await keys.RetireKekAsync(Actor, parse.GetValue(kekId)!, token);
            Console.WriteLine(result.RemovedFromKeyring
                ? $"Retired KEK {result.KekId}: removed from the keyring."
                : $"KEK {result.KekId} wraps no data key; it can be disabled and scheduled for deletion in KMS.");
        }, ct));

        var installation = new Option<string>("--installation") { Description = "The installation id." };
        var all = new Option<bool>("--all") { Description = "Every installation." };
        var rotateDek = new Command("rotate-dek", "Give installations a new data key and re-encrypt their values (resumable).") { set, installation, all, batchSize };
        rotateDek.Validators.Add(result =>
        {
            if ((result.GetValue(installation) is null) == !result.GetValue(all))
            {
                result.AddError("give either --installation <id> or --all.");
            }
        });
        rotateDek.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var keys = await StartAsync(services, token);
            var result = await keys.RotateDataKeysAsync(Actor, parse.GetValue(installation), parse.GetValue(batchSize), Console.WriteLine, token);
            Console.WriteLine(
                $"Rotated {result.Installations} installation(s): {result.NewKeys} new data key(s), {result.Reencrypted} value(s) re-encrypted, "
                + $"{result.DeletedKeys} old version(s) deleted, {result.KeptKeys} kept, {result.Unreadable} unreadable.");
            if (!result.Finished)
            {
                Console.WriteLine("Not finished: old versions are kept until the data-key cache time-to-live has passed since they were retired"
                    + (result.Unreadable > 0 ? " and unreadable values are resolved" : string.Empty) + "; run the same command again later.");
            }
        }, ct));

        var confirm = new Option<bool>("--confirm") { Description = "Required: shredding cannot be undone." };
        var shredInstallation = new Option<string>("--installation") { Description = "The installation whose data keys to destroy.", Required = true };
        var shredGrant = new Option<string>("--grant") { Description = "Your active purge grant for that installation.", Required = true };
        var shred = new Command("shred", "Destroy an installation's data keys: its remaining ciphertext can never be read again (needs a purge grant).") { set, shredInstallation, shredGrant, confirm };
        shred.Validators.Add(result =>
        {
            if (!result.GetValue(confirm))
            {
                result.AddError("shredding cannot be undone; add --confirm.");
            }
        });
        shred.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var keys = await StartAsync(services, token);
            var result = await keys.ShredAsync(Actor, Access.OpsSession.Current.Grant!.InstallationId, token);
            Console.WriteLine($"Shredded {result.DataKeyVersions} data key version(s) of {result.InstallationId}; {result.ValuesMadeUnreadable} stored value(s) can no longer be read.");
        }, ct));

        return new Command("keys", "Encryption keys: KEKs, data keys, rotation, shredding.") { addKek, rewrap, retireKek, rotateDek, shred };
    }

    /// <summary>The OS user running the command, as the audit record's actor.</summary>
    private static string Actor => Environment.UserName;

    private static async Task<KeyMaintenance> StartAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var keys = services.GetRequiredService<KeyMaintenance>();
        await keys.Provider.CheckAsync(cancellationToken);
        await keys.EnsureEveryKekIsHeldAsync(cancellationToken);
        return keys;
    }
}
