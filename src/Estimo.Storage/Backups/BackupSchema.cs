using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Estimo.Storage.Backups;

/// <summary>
/// The tables of the EF model as a backup sees them: read from the model, never hard-coded, so
/// a table or column added by a migration is backed up without touching this code. Tables are
/// in foreign-key order (principals first), which is the order rows are restored in.
/// </summary>
internal sealed class BackupSchema
{
    private BackupSchema(IReadOnlyList<BackupTable> tables) => Tables = tables;

    public IReadOnlyList<BackupTable> Tables { get; }

    public IReadOnlyList<BackupForeignKey> ForeignKeys { get; private init; } = [];

    public BackupTable? Find(string name) => Tables.FirstOrDefault(t => t.Name == name);

    public static BackupSchema For(EstimoDbContext db)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var byName = new Dictionary<string, (List<BackupColumn> Columns, List<string> Key, HashSet<string> Principals)>(StringComparer.Ordinal);
        var foreignKeys = new List<BackupForeignKey>();
        foreach (var entity in db.Model.GetEntityTypes().Where(e => e.GetTableName() is not null && !e.IsOwned()))
        {
            var name = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(name, entity.GetSchema());
            if (!byName.TryGetValue(name, out var table))
            {
                table = ([], [], new HashSet<string>(StringComparer.Ordinal));
                byName[name] = table;
            }

            foreach (var property in entity.GetProperties())
            {
                var column = property.GetColumnName(store);
                if (column is null || table.Columns.Any(c => c.Name == column))
                {
                    continue;
                }

                var mapping = property.GetRelationalTypeMapping();
                var isIdentity = property.ValueGenerated == ValueGenerated.OnAdd && property.IsPrimaryKey()
                    && Nullable.GetUnderlyingType(property.ClrType) is null && (property.ClrType == typeof(long) || property.ClrType == typeof(int));
                table.Columns.Add(new BackupColumn(column, property.ClrType, mapping.Converter, mapping.Converter?.ProviderClrType ?? mapping.ClrType, isIdentity));
            }

            if (table.Key.Count == 0 && entity.FindPrimaryKey() is { } key)
            {
                table.Key.AddRange(key.Properties.Select(p => p.GetColumnName(store)!));
            }

            foreach (var foreignKey in entity.GetForeignKeys())
            {
                var principal = foreignKey.PrincipalEntityType.GetTableName();
                if (principal is not null && principal != name)
                {
                    table.Principals.Add(principal);
                    var principalStore = StoreObjectIdentifier.Table(principal, foreignKey.PrincipalEntityType.GetSchema());
                    foreignKeys.Add(new BackupForeignKey(
                        name,
                        [.. foreignKey.Properties.Select(p => p.GetColumnName(store)!)],
                        principal,
                        [.. foreignKey.PrincipalKey.Properties.Select(p => p.GetColumnName(principalStore)!)]));
                }
            }
        }

        // Topological order: a table comes after every table it references.
        var ordered = new List<BackupTable>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        while (placed.Count < byName.Count)
        {
            var next = byName.Keys.Where(n => !placed.Contains(n) && byName[n].Principals.All(placed.Contains)).Order(StringComparer.Ordinal).FirstOrDefault()
                ?? throw new InvalidOperationException("The model's foreign keys form a cycle; a backup cannot order its tables.");
            var (columns, key, principals) = byName[next];
            ordered.Add(new BackupTable(next, sql.DelimitIdentifier(next), columns, key, [.. principals]));
            placed.Add(next);
        }

        return new BackupSchema(ordered) { ForeignKeys = foreignKeys };
    }
}

internal sealed record BackupTable(string Name, string QuotedName, IReadOnlyList<BackupColumn> Columns, IReadOnlyList<string> Key, IReadOnlyList<string> Principals)
{
    public BackupColumn? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);
}

/// <summary>A column: its model type, the provider's converter (if any) and the type the provider reads and writes.</summary>
internal sealed record BackupColumn(
    string Name,
    Type ModelType,
    Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter? Converter,
    Type ProviderType,
    bool IsIdentity);

/// <summary>A foreign key: <see cref="Columns"/> of <see cref="Table"/> reference <see cref="PrincipalColumns"/> of <see cref="Principal"/>.</summary>
internal sealed record BackupForeignKey(string Table, IReadOnlyList<string> Columns, string Principal, IReadOnlyList<string> PrincipalColumns);
