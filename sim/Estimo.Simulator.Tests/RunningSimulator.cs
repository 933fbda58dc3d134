using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Estimo.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Estimo.Simulator.Tests;

/// <summary>A simulator started in-process on 127.0.0.1 with a free port, and an HTTP client for it.</summary>
public sealed class RunningSimulator : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningSimulator(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl) };
    }

    public string BaseUrl { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<RunningSimulator> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Simulator:ListenUrl"] = "http://127.0.0.1:0",
            ["Simulator:ManifestPath"] = Path.Combine(Repo.Root, "forge", "manifest.yml"),
            ["Simulator:RateLimitPerMinute"] = "0",
            // Nothing listens on port 1: installs without a fake remote fail fast instead of resolving a real host.
            ["Simulator:Remote:BaseUrl"] = "https://127.0.0.1:1",
            ["Simulator:EventMaxRetries"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var app = SimulatorHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(all);
            builder.Logging.ClearProviders();
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningSimulator(app, address.TrimEnd('/'));
    }

    public async Task<string> TokenAsync(string accountId, string kind = "session")
    {
        using var response = await Http.PostAsJsonAsync("/__sim/tokens", new { accountId, kind }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        return json!["token"]!.GetValue<string>();
    }

    /// <summary>An HTTP client that calls the simulated Jira API as <paramref name="accountId"/>.</summary>
    public async Task<HttpClient> AsUserAsync(string accountId, string kind = "session")
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(accountId, kind));
        return client;
    }

    public async Task<JsonObject> PostAdminAsync(string path)
    {
        using var response = await Http.PostAsync(path, null, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One simulator per test class (tests in a class run one after another).</summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    public RunningSimulator Sim { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Sim = await RunningSimulator.StartAsync();

    public async ValueTask DisposeAsync() => await Sim.DisposeAsync();
}

public static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Estimo.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Estimo.slnx not found above " + AppContext.BaseDirectory);
    }
}

public static class Users
{
    public const string Alice = Jira.SeedData.AliceId;
    public const string Bob = Jira.SeedData.BobId;
    public const string Carol = Jira.SeedData.CarolId;
    public const string Dave = Jira.SeedData.DaveId;
}
