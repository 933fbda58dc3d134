namespace Estimo.Storage.Backups;

/// <summary>
/// Which backups to keep: every backup at most <see cref="BackupRetentionOptions.DailyDays"/>
/// days old (exactly that old is still kept), the first backup (UTC) of each of the last
/// <see cref="BackupRetentionOptions.MonthlyMonths"/> calendar months counting the current
/// one, and always the newest backup, so a stopped scheduler never leaves zero backups.
/// </summary>
public static class BackupRetention
{
    public static IReadOnlySet<DateTimeOffset> Keep(IEnumerable<DateTimeOffset> backups, DateTimeOffset now, BackupRetentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(backups);
        ArgumentNullException.ThrowIfNull(options);
        var all = backups.Select(b => b.ToUniversalTime()).Distinct().Order().ToList();
        var keep = new HashSet<DateTimeOffset>();
        if (all.Count == 0)
        {
            return keep;
        }

        var dailyFrom = now - TimeSpan.FromDays(options.DailyDays);
        keep.UnionWith(all.Where(b => b >= dailyFrom));

        var utcNow = now.ToUniversalTime();
        var thisMonth = new DateTimeOffset(utcNow.Year, utcNow.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var firstMonth = thisMonth.AddMonths(-(options.MonthlyMonths - 1));
        if (options.MonthlyMonths > 0)
        {
            keep.UnionWith(all
                .Where(b => b >= firstMonth)
                .GroupBy(b => (b.Year, b.Month))
                .Select(month => month.Min()));
        }

        keep.Add(all[^1]);
        return keep;
    }
}
