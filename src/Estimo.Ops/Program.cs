using System.CommandLine;
using System.CommandLine.Help;
using Estimo.Ops;
using Estimo.Ops.Access;
using Estimo.Storage.Access;
using Estimo.Storage;
using Estimo.Storage.Security;
using Microsoft.Extensions.DependencyInjection;

// estimo-ops: the operator CLI. Errors are one line on standard error with a non-zero exit:
// 2 for usage, 1 for a failed operation.
var set = new Option<string[]>("--set") { Description = "Override a setting, e.g. --set Storage:Provider=PostgreSql (repeatable).", AllowMultipleArgumentsPerToken = false };

var migrate = new Command("migrate", "Apply every pending database migration of this build.");
migrate.Options.Add(set);
migrate.SetAction((parse, ct) => RunAsync(parse.GetValue(set) ?? [], async (services, token) =>
{
    var migrator = services.GetRequiredService<IDatabaseMigrator>();
    var before = await migrator.GetSchemaStatusAsync(token);
    if (before.IsAhead)
    {
        throw new OpsException($"The database has migrations this build does not know ({string.Join(", ", before.Unknown)}); use a newer estimo-ops.");
    }

    await migrator.MigrateAsync(token);
    Console.WriteLine(before.Pending.Count == 0
        ? "The database is up to date; nothing to apply."
        : $"Applied {before.Pending.Count} migration(s): {string.Join(", ", before.Pending)}.");
}, ct));

var status = new Command("status", "Show which migrations are applied and which are pending.");
status.Options.Add(set);
status.SetAction((parse, ct) => RunAsync(parse.GetValue(set) ?? [], async (services, token) =>
{
    var schema = await services.GetRequiredService<IDatabaseMigrator>().GetSchemaStatusAsync(token);
    Console.WriteLine($"applied: {schema.Applied.Count}  pending: {schema.Pending.Count}  unknown: {schema.Unknown.Count}");
    foreach (var id in schema.Pending)
    {
        Console.WriteLine($"pending  {id}");
    }

    foreach (var id in schema.Unknown)
    {
        Console.WriteLine($"unknown  {id}");
    }
}, ct));

var migrations = new Command("migrations", "Database schema migrations.") { status };
var keys = KeyCommands.Create(set, RunAsync);
var root = new RootCommand("estimo-ops: operate an Estimo deployment.")
{
    migrate,
    migrations,
    keys,
    OperatorCommands.Create(set, RunAsync),
    GrantCommands.Create(set, RunAsync),
    SupportCommands.Create(set, RunAsync),
    AuditCommands.Create(set, RunAsync),
    PurgeCommands.Create(set, RunAsync),
    PersonalDataCommands.Create(set, RunAsync),
};
Array.ForEach(BackupCommands.Create(set, RunAsync), root.Subcommands.Add);

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    await Console.Error.WriteLineAsync($"estimo-ops: {parsed.Errors[0].Message} (see estimo-ops --help)");
    return 2;
}

// Every command passes the access gate (Access/AccessGate.cs) inside RunAsync; a command with
// no declared requirement is refused here (default deny). Help needs no identity.
var command = CommandPath(parsed.CommandResult.Command);
Invocation.Command = command;
Invocation.Parsed = parsed;
if (parsed.Action is not HelpAction && command.Length > 0 && !CommandPolicy.Requirements.ContainsKey(command))
{
    await Console.Error.WriteLineAsync($"estimo-ops: refused: '{command}' declares no access requirement (add it to CommandPolicy).");
    return 1;
}

return await parsed.InvokeAsync();

static string CommandPath(Command command)
{
    var names = new List<string>();
    for (Command? current = command; current is not null and not RootCommand; current = current.Parents.OfType<Command>().FirstOrDefault())
    {
        names.Insert(0, current.Name);
    }

    return string.Join(' ', names);
}

static async Task<int> RunAsync(string[] settings, Func<IServiceProvider, CancellationToken, Task> action, CancellationToken cancellationToken)
{
    try
    {
        await using var services = OpsHost.Build(settings);
        var command = Invocation.Command ?? string.Empty;
        if (!CommandPolicy.Requirements.TryGetValue(command, out var requirement))
        {
            throw new AccessDeniedException($"'{command}' declares no access requirement.");
        }

        var session = await AccessGate.AuthorizeAsync(services, Caller.FromEnvironment(), command, requirement, Invocation.OptionValue, cancellationToken);
        using var entered = session.Enter();
        await action(services, cancellationToken);
        return 0;
    }
    catch (AccessDeniedException ex)
    {
        await Console.Error.WriteLineAsync($"estimo-ops: refused: {ex.Message}");
        return 1;
    }
    catch (OpsException ex)
    {
        await Console.Error.WriteLineAsync($"estimo-ops: {ex.Message}");
        return 1;
    }
    catch (KeyMaintenanceException ex)
    {
        await Console.Error.WriteLineAsync($"estimo-ops: refused: {ex.Message}");
        return 1;
    }
    catch (KeyProviderException ex)
    {
        await Console.Error.WriteLineAsync($"estimo-ops: {FirstLine(ex.Message)}");
        return 1;
    }
    catch (Microsoft.EntityFrameworkCore.DbUpdateException ex)
    {
        await Console.Error.WriteLineAsync($"estimo-ops: the database refused the change ({FirstLine(ex.InnerException?.Message ?? ex.Message)}); nothing was changed.");
        return 1;
    }
    catch (System.Data.Common.DbException ex)
    {
        await Console.Error.WriteLineAsync($"estimo-ops: the database could not be used ({ex.GetType().Name}: {FirstLine(ex.Message)}).");
        return 1;
    }
    catch (InvalidOperationException ex) when (ex.InnerException is System.Data.Common.DbException inner)
    {
        await Console.Error.WriteLineAsync($"estimo-ops: the database could not be used ({inner.GetType().Name}: {FirstLine(inner.Message)}).");
        return 1;
    }
}

static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
