using Estimo.Storage.Backups;

namespace Estimo.Storage.Tests.Backups;

/// <summary>Which backups retention keeps: daily for 35 days, the first of each month for 12 months, always the newest.</summary>
public sealed class BackupRetentionTests
{
    private static readonly BackupRetentionOptions Defaults = new();

    private static DateTimeOffset At(int year, int month, int day, int hour = 3) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);

    private static List<DateTimeOffset> Daily(DateTimeOffset from, DateTimeOffset to)
    {
        var days = new List<DateTimeOffset>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            days.Add(day);
        }

        return days;
    }

    [Fact]
    public void Keep_AYearAndAHalfOfDailyBackups_KeepsTheLast35DaysAndTheFirstOfEachOfTheLast12Months()
    {
        var now = At(2026, 11, 29, 4);
        var backups = Daily(At(2025, 6, 1), At(2026, 11, 29));

        var keep = Keep(backups, now);

        var daily = Daily(At(2026, 10, 26), At(2026, 11, 29)); // Oct 25 03:00 is 35 days and an hour old
        var monthly = Enumerable.Range(0, 12).Select(m => At(2025, 12, 1).AddMonths(m)).ToList();
        Assert.Equal(daily.Union(monthly).Order(), keep.Order());
    }

    [Fact]
    public void Keep_ABackupExactly35DaysOld_IsKept_AndOneSecondOlder_IsNot()
    {
        var now = At(2026, 11, 29);
        var exactly = now.AddDays(-35);
        var older = exactly.AddSeconds(-1);
        var newest = now.AddHours(-1);

        var keep = Keep([older, exactly, newest], now, new BackupRetentionOptions { DailyDays = 35, MonthlyMonths = 0 });

        Assert.Equal([exactly, newest], keep.Order());
    }

    [Fact]
    public void Keep_MonthlyIsTheFirstBackupOfTheCalendarMonthInUtc_EvenWithMissingDays()
    {
        var now = At(2026, 11, 29);
        // No backup on the 1st of September: the 3rd is that month's first. 31 Aug 23:30 UTC is August.
        var backups = new[] { At(2026, 8, 31, 23).AddMinutes(30), At(2026, 9, 3), At(2026, 9, 4), At(2026, 8, 2), At(2026, 11, 28) };

        var keep = Keep(backups, now, new BackupRetentionOptions { DailyDays = 1, MonthlyMonths = 12 });

        Assert.Equal([At(2026, 8, 2), At(2026, 9, 3), At(2026, 11, 28)], keep.Order());
    }

    [Fact]
    public void Keep_MonthlyMonths_CountsTheCurrentMonth()
    {
        var now = At(2026, 11, 15);
        var backups = new[] { At(2025, 11, 1), At(2025, 12, 1), At(2026, 11, 1) };

        var keep = Keep(backups, now, new BackupRetentionOptions { DailyDays = 1, MonthlyMonths = 12 });

        Assert.Equal([At(2025, 12, 1), At(2026, 11, 1)], keep.Order());
    }

    [Fact]
    public void Keep_AlwaysKeepsTheNewest_EvenWhenEverythingIsOld()
    {
        var now = At(2028, 1, 1);
        var backups = new[] { At(2026, 1, 1), At(2026, 1, 2) };

        Assert.Equal([At(2026, 1, 2)], Keep(backups, now).Order());
        Assert.Empty(Keep([], now));
    }

    private static IReadOnlySet<DateTimeOffset> Keep(IEnumerable<DateTimeOffset> backups, DateTimeOffset now, BackupRetentionOptions? options = null) =>
        BackupRetention.Keep(backups, now, options ?? Defaults);
}
