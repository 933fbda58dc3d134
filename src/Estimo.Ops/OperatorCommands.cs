using System.CommandLine;
using Estimo.Ops.Access;
using Estimo.Storage.Access;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops;

/// <summary>
/// <c>estimo-ops operators …</c>: the operator registry. Only an active support engineer
/// manages it, except for the very first operator, which root registers while the registry is
/// empty. Every change and every refusal is audited.
/// </summary>
internal static class OperatorCommands
{
    public static Command Create(Option<string[]> set, KeyCommands.Runner run)
    {
        var osUser = new Option<string>("--os-user") { Description = "The operator's OS account on the support host.", Required = true };
        var name = new Option<string>("--name") { Description = "The operator's name (never shown to customers).", Required = true };
        var role = new Option<OperatorRole>("--role") { Description = "Developer or SupportEngineer.", Required = true };
        var add = new Command("add", "Register an operator (the first one: as root, while the registry is empty).") { set, osUser, name, role };
        add.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var session = OpsSession.Current;
            var added = await services.GetRequiredService<OperatorRegistry>().AddAsync(session.Actor, parse.GetValue(osUser)!, parse.GetValue(name)!, parse.GetValue(role), session.IsBootstrap, token);
            Console.WriteLine($"Added operator {added.Id} ({added.OsUser}, {added.Role}). Register their SSH key with 'estimo-ops operators add-key {added.OsUser} --public-key <file>'.");
        }, ct));

        var list = new Command("list", "List operators: id, OS user, role, active, key fingerprints.") { set };
        list.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            foreach (var op in await services.GetRequiredService<OperatorRegistry>().ListAsync(token))
            {
                Console.WriteLine($"{op.Id}  {op.OsUser}  {op.Role}  {(op.Active ? "active" : "deactivated")}  keys: {(op.Fingerprints.Count == 0 ? "-" : string.Join(",", op.Fingerprints))}");
            }
        }, ct));

        var deactivate = SetActive(set, run, active: false);
        var activate = SetActive(set, run, active: true);

        var keyUser = new Argument<string>("os-user") { Description = "The operator's OS user." };
        var fingerprint = new Option<string>("--fingerprint") { Description = "SHA256:… as 'ssh-keygen -lf key.pub' prints it." };
        var publicKey = new Option<FileInfo>("--public-key") { Description = "The operator's public key file (key.pub); its fingerprint is registered." };
        var addKey = new Command("add-key", "Register an SSH key for an operator.") { set, keyUser, fingerprint, publicKey };
        addKey.Validators.Add(result =>
        {
            if ((result.GetValue(fingerprint) is null) == (result.GetValue(publicKey) is null))
            {
                result.AddError("give either --fingerprint SHA256:… or --public-key <file>.");
            }
        });
        addKey.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var value = parse.GetValue(fingerprint);
            if (parse.GetValue(publicKey) is { } file)
            {
                var line = File.Exists(file.FullName) ? await File.ReadAllTextAsync(file.FullName, token) : throw new OpsException($"{file.FullName} does not exist.");
                value = SshKeyFingerprint.FromPublicKeyLine(line) ?? "malformed public key";
            }

            var op = await services.GetRequiredService<OperatorRegistry>().AddKeyAsync(OpsSession.Current.Actor, parse.GetValue(keyUser)!, value!, token);
            Console.WriteLine($"Registered key {op.Fingerprints[^1]} for {op.Id} ({op.OsUser}).");
        }, ct));

        var removeFingerprint = new Option<string>("--fingerprint") { Description = "SHA256:… of the key to remove.", Required = true };
        var removeKey = new Command("remove-key", "Remove an operator's SSH key; logins with it are refused from then on.") { set, keyUser, removeFingerprint };
        removeKey.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var op = await services.GetRequiredService<OperatorRegistry>().RemoveKeyAsync(OpsSession.Current.Actor, parse.GetValue(keyUser)!, parse.GetValue(removeFingerprint)!, token);
            Console.WriteLine($"Removed the key from {op.Id} ({op.OsUser}); {op.Fingerprints.Count} key(s) left.");
        }, ct));

        return new Command("operators", "The operator registry: who may run estimo-ops, in which role, with which SSH keys.") { add, list, deactivate, activate, addKey, removeKey };
    }

    private static Command SetActive(Option<string[]> set, KeyCommands.Runner run, bool active)
    {
        var user = new Argument<string>("os-user") { Description = "The operator's OS user." };
        var command = new Command(active ? "activate" : "deactivate", active ? "Let a deactivated operator act again." : "Stop an operator from doing anything (off-boarding).") { set, user };
        command.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var op = await services.GetRequiredService<OperatorRegistry>().SetActiveAsync(OpsSession.Current.Actor, parse.GetValue(user)!, active, token);
            Console.WriteLine($"Operator {op.Id} ({op.OsUser}) is {(op.Active ? "active" : "deactivated")}.");
        }, ct));
        return command;
    }
}
