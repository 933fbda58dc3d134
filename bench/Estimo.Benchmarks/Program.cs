using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using Estimo.Benchmarks;
using Estimo.Storage.Security;
using Microsoft.Extensions.DependencyInjection;

// dotnet run -c Release --project bench/Estimo.Benchmarks -- --filter '*'     BenchmarkDotNet suites
// dotnet run -c Release --project bench/Estimo.Benchmarks -- rewrap 100000   one timed re-wrap of N data keys
if (args.Length >= 1 && args[0] == "rewrap")
{
    var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
    await using var database = await BenchmarkDatabase.CreateAsync();
    var seeding = Stopwatch.StartNew();
    await database.SeedDataKeysAsync(count);
    Console.WriteLine($"seeded {count} data keys in {seeding.Elapsed.TotalSeconds:F1} s");
    var keys = database.Services.GetRequiredService<KeyMaintenance>();
    await keys.AddKekAsync("bench", makePrimary: true, CancellationToken.None);
    var timer = Stopwatch.StartNew();
    var result = await keys.RewrapAsync("bench", batchSize: 1000, report: null, CancellationToken.None);
    timer.Stop();
    Console.WriteLine($"re-wrapped {result.Rewrapped} data keys in {timer.Elapsed.TotalSeconds:F1} s = {result.Rewrapped / timer.Elapsed.TotalSeconds:F0} keys/s");
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(SealBenchmarks).Assembly).Run(args);
return 0;
