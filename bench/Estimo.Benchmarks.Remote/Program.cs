using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// A short job so `scripts/bench.sh micro` finishes in minutes on a shared 2-core machine:
// fewer, fixed-size iterations (FIT verification needs a known number of calls, because each
// call consumes a unique pre-minted token), run in this process (already built in Release by
// `dotnet run -c Release`) instead of a freshly generated and built project per benchmark.
var config = DefaultConfig.Instance
    .AddJob(Job.Default
        .WithWarmupCount(3)
        .WithIterationCount(8)
        .WithInvocationCount(Estimo.Benchmarks.Remote.MicroJob.InvocationsPerIteration)
        .WithUnrollFactor(1)
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithId("short"))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);

namespace Estimo.Benchmarks.Remote
{
    /// <summary>The job's shape, shared with the benchmarks that must pre-compute one input per call.</summary>
    public static class MicroJob
    {
        public const int InvocationsPerIteration = 2048;

        /// <summary>Warm-up + measured iterations, plus the jitting and pilot calls, with headroom.</summary>
        public const int TotalInvocations = ((3 + 8) * InvocationsPerIteration) + 4096;
    }
}
