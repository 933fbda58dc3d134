using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Estimo.Bench.Tokens;

namespace Estimo.Bench;

internal sealed record SessionLoadOptions(
    Uri Url,
    Uri PollUrl,
    string Dir,
    string ApiBase,
    int Sessions,
    int Participants,
    double VotesPerSecond,
    double Seconds,
    int? ServerPid,
    int? PollServerPid,
    string Label)
{
    public static SessionLoadOptions Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            map[args[i].TrimStart('-')] = args[i + 1];
        }

        int? Pid(string key) => map.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : null;
        var url = new Uri(map["url"]);
        return new SessionLoadOptions(
            url,
            map.TryGetValue("poll-url", out var poll) ? new Uri(poll) : url,
            map["dir"],
            map["api-base"],
            int.Parse(map["sessions"], CultureInfo.InvariantCulture),
            int.Parse(map["participants"], CultureInfo.InvariantCulture),
            double.Parse(map["rate"], CultureInfo.InvariantCulture),
            double.Parse(map["seconds"], CultureInfo.InvariantCulture),
            Pid("pid"),
            Pid("pid2"),
            map.GetValueOrDefault("label", "live session"));
    }
}

/// <summary>
/// The live-session load: N sessions of M participants, each participant long-polling
/// <c>GET /api/sessions/{id}?since=v</c> with a fresh FIT per request (as requestRemote does),
/// and votes cast at a steady rate. For each vote it measures the time from sending the vote
/// to the moment every participant of that session has received a view at least that new.
/// </summary>
internal static class SessionLoad
{
    private const string UserToken = "bench-user-token";
    private static readonly string[] Labels = ["3", "5"];
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(SessionLoadOptions o)
    {
        // A fresh, unique FIT for every request. Signing costs the client about a millisecond of
        // CPU, so the polls' tokens are minted before the clock starts (valid 10 min instead of
        // Forge's 25 s; the validator checks exp, not the lifetime), and only the set-up calls,
        // the votes and any poll that outruns its pool are signed on demand.
        var keyPath = Path.Combine(o.Dir, "fit-key.pem");
        using var signers = new ThreadLocal<FitSigner>(() => FitSigner.Load(keyPath), trackAllValues: true);
        var onDemand = 0;
        string Fit(string account)
        {
            Interlocked.Increment(ref onDemand);
            return signers.Value!.Mint(account, TimeSpan.FromSeconds(25), o.ApiBase);
        }

        using var writeClient = Http.Client(o.Dir, o.Url);
        using var pollClient = o.PollUrl == o.Url ? null : Http.Client(o.Dir, o.PollUrl);
        var polls = pollClient ?? writeClient;

        // Set-up: the facilitator creates each session, the others join (both ask Jira as the user).
        var sessions = new SessionState[o.Sessions];
        using var gate = new SemaphoreSlim(16);
        var setup = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, o.Sessions).Select(async s =>
        {
            await gate.WaitAsync();
            try
            {
                var accounts = Enumerable.Range(0, o.Participants).Select(p => FitSigner.Account((s * o.Participants) + p)).ToArray();
                var created = await SendAsync(writeClient, HttpMethod.Post, "/api/sessions", Fit(accounts[0]), CreateBody(), UserToken);
                var id = created!["sessionId"]!.GetValue<string>();
                long version = created["version"]!.GetValue<long>();
                foreach (var account in accounts.Skip(1))
                {
                    var joined = await SendAsync(writeClient, HttpMethod.Post, $"/api/sessions/{id}/join", Fit(account), new JsonObject { ["role"] = "voter" }, UserToken);
                    version = joined!["version"]!.GetValue<long>();
                }

                sessions[s] = new SessionState(id, accounts, version);
            }
            finally
            {
                gate.Release();
            }
        }));
        Console.Error.WriteLine($"[{o.Label}] {o.Sessions} sessions x {o.Participants} participants set up in {setup.Elapsed.TotalSeconds:F1} s");

        // Each participant gets one poll per change of its session plus one per long-poll timeout, with headroom.
        var perParticipant = (int)Math.Ceiling((o.VotesPerSecond * (o.Seconds + 5) / o.Sessions) + ((o.Seconds + 10) / 15)) + 4;
        var minting = Stopwatch.StartNew();
        var pools = sessions.Select(session => session.Accounts.Select(_ => new ConcurrentQueue<string>()).ToArray()).ToArray();
        Parallel.For(0, o.Sessions * o.Participants, i =>
        {
            var (s, p) = (i / o.Participants, i % o.Participants);
            for (var n = 0; n < perParticipant; n++)
            {
                pools[s][p].Enqueue(signers.Value!.Mint(sessions[s].Accounts[p], TimeSpan.FromMinutes(10), o.ApiBase));
            }
        });
        Console.Error.WriteLine($"[{o.Label}] pre-minted {perParticipant} FITs for each participant in {minting.Elapsed.TotalSeconds:F1} s");
        onDemand = 0;

        using var stop = new CancellationTokenSource();
        var pollErrors = 0;
        var pollers = sessions.SelectMany((session, s) => session.Accounts.Select((account, index) => Task.Run(async () =>
        {
            var since = session.InitialVersion;
            var arrivals = session.Arrivals[index];
            var pool = pools[s][index];
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{session.Id}?since={since}");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", pool.TryDequeue(out var fit) ? fit : Fit(account));
                    using var response = await polls.SendAsync(request, stop.Token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var body = await response.Content.ReadAsStringAsync(stop.Token);
                        var at = Stopwatch.GetTimestamp();
                        since = JsonNode.Parse(body)!["version"]!.GetValue<long>();
                        lock (arrivals)
                        {
                            arrivals.Add((since, at));
                        }
                    }
                    else if (response.StatusCode != HttpStatusCode.NoContent)
                    {
                        Interlocked.Increment(ref pollErrors);
                        await Task.Delay(100, stop.Token);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref pollErrors);
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }))).ToArray();

        // Let every participant's first poll settle before measuring.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var cpuBefore = ProcessStats.CpuTicks(o.ServerPid);
        var cpu2Before = ProcessStats.CpuTicks(o.PollServerPid);
        var wall = Stopwatch.StartNew();

        var votes = new ConcurrentBag<(int Session, long Sent, long Version)>();
        var voteRoundTrips = new ConcurrentBag<double>();
        var voteErrors = 0;
        var inFlight = new List<Task>();
        var interval = TimeSpan.FromSeconds(1 / o.VotesPerSecond);
        var total = (int)(o.VotesPerSecond * o.Seconds);
        var warmupVotes = (int)(o.VotesPerSecond * Warmup.TotalSeconds);
        var begin = Stopwatch.GetTimestamp();
        for (var n = 0; n < total; n++)
        {
            var due = begin + (long)(n * interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var s = n % o.Sessions;
            var round = n / o.Sessions;
            var session = sessions[s];
            var voter = session.Accounts[round % session.Accounts.Length];
            var label = Labels[(round / session.Accounts.Length) % Labels.Length];
            var measured = n >= warmupVotes;
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    var token = Fit(voter);
                    var sent = Stopwatch.GetTimestamp();
                    var view = await SendAsync(writeClient, HttpMethod.Post, $"/api/sessions/{session.Id}/votes", token, new JsonObject { ["issueId"] = "10001", ["label"] = label }, null);
                    if (measured)
                    {
                        voteRoundTrips.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                        votes.Add((s, sent, view!["version"]!.GetValue<long>()));
                    }
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref voteErrors);
                }
            }));
        }

        await Task.WhenAll(inFlight);
        await Task.Delay(TimeSpan.FromSeconds(2)); // let the last changes reach everyone
        var elapsed = wall.Elapsed;
        var cpuAfter = ProcessStats.CpuTicks(o.ServerPid);
        var cpu2After = ProcessStats.CpuTicks(o.PollServerPid);
        await stop.CancelAsync();
        await Task.WhenAll(pollers);

        var latencies = new List<double>();
        var missed = 0;
        foreach (var (s, sent, version) in votes)
        {
            foreach (var arrivals in sessions[s].Arrivals)
            {
                var arrival = arrivals.Where(a => a.Version >= version).Select(a => (long?)a.At).FirstOrDefault();
                if (arrival is { } at)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds);
                }
                else
                {
                    missed++;
                }
            }
        }

        latencies.Sort();
        var row = new StringBuilder();
        row.Append(CultureInfo.InvariantCulture, $"| {o.Label} | {o.Sessions} × {o.Participants} | {o.VotesPerSecond:0.#} | {votes.Count} | {latencies.Count} | {missed} | ");
        row.Append(CultureInfo.InvariantCulture, $"{Percentile(latencies, 50):F1} | {Percentile(latencies, 95):F1} | {Percentile(latencies, 99):F1} | {(latencies.Count > 0 ? latencies[^1] : double.NaN):F1} | ");
        var (cpu, memory) = ProcessStats.Describe(o.ServerPid, cpuBefore, cpuAfter, elapsed);
        if (o.PollServerPid is not null)
        {
            // Two instances: the one taking the votes (A), then the one serving the polls (B).
            var (cpu2, memory2) = ProcessStats.Describe(o.PollServerPid, cpu2Before, cpu2After, elapsed);
            (cpu, memory) = ($"A {cpu}, B {cpu2}", $"A {memory}, B {memory2}");
        }

        row.Append(CultureInfo.InvariantCulture, $"{cpu} | {memory}");

        var roundTrips = voteRoundTrips.Order().ToList();
        row.Append(CultureInfo.InvariantCulture, $" | {Percentile(roundTrips, 50):F1} / {Percentile(roundTrips, 95):F1}");
        row.Append(CultureInfo.InvariantCulture, $" | {voteErrors} / {pollErrors} |");
        Console.WriteLine(row.ToString());
        Console.Error.WriteLine($"[{o.Label}] FITs signed during the measurement (votes, and polls past their pool): {onDemand}");
        foreach (var signer in signers.Values)
        {
            signer.Dispose();
        }

        return 0;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static JsonObject CreateBody() => new()
    {
        ["projectKey"] = "EST",
        ["boardId"] = 1,
        ["source"] = new JsonObject { ["kind"] = "backlog" },
        ["issues"] = new JsonArray(
            new JsonObject { ["id"] = "10001", ["key"] = "EST-1" },
            new JsonObject { ["id"] = "10002", ["key"] = "EST-2" },
            new JsonObject { ["id"] = "10003", ["key"] = "EST-3" }),
        ["deckId"] = "fibonacci",
        ["estimationFieldId"] = "customfield_10016",
        ["mode"] = "live",
        ["autoReveal"] = false,
    };

    private static async Task<JsonNode?> SendAsync(HttpClient client, HttpMethod method, string path, string fit, JsonNode? body, string? userToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fit);
        if (userToken is not null)
        {
            request.Headers.Add("x-forge-oauth-user", userToken);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {text}");
        }

        return JsonNode.Parse(text);
    }

    private sealed class SessionState(string id, string[] accounts, long initialVersion)
    {
        public string Id { get; } = id;

        public string[] Accounts { get; } = accounts;

        public long InitialVersion { get; } = initialVersion;

        public List<(long Version, long At)>[] Arrivals { get; } = [.. accounts.Select(_ => new List<(long, long)>())];
    }
}

/// <summary>CPU time and memory of a server process, from /proc.</summary>
internal static class ProcessStats
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static long? CpuTicks(int? pid)
    {
        if (pid is null)
        {
            return null;
        }

        // Fields after the ")" of the command name: state is field 3, utime 14, stime 15.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>CPU as % of one core over the window, and "RSS now / peak RSS" in MB.</summary>
    public static (string Cpu, string Memory) Describe(int? pid, long? before, long? after, TimeSpan elapsed)
    {
        if (pid is null || before is null || after is null)
        {
            return ("n/a", "n/a");
        }

        var cpu = (after.Value - before.Value) / TicksPerSecond / elapsed.TotalSeconds * 100;
        return (
            string.Create(CultureInfo.InvariantCulture, $"{cpu:F0} %"),
            $"{MemoryMb(pid.Value, "VmRSS")} / {MemoryMb(pid.Value, "VmHWM")} MB");
    }

    public static string MemoryMb(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var kb = long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return (kb / 1024.0).ToString("F0", CultureInfo.InvariantCulture);
            }
        }

        return "?";
    }
}
