using Estimo.Bench;

// One tool, one verb per job; scripts/bench.sh strings them together.
return args switch
{
    ["setup", var dir] => Setup.Run(dir),
    ["free-port"] => Setup.FreePort(),
    ["mint", var dir, var count, var output, .. var rest] => Setup.Mint(dir, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), output, rest),
    ["stubs", var dir] => await Servers.RunStubsAsync(dir),
    ["bare", var dir, var port] => await Servers.RunBareAsync(dir, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)),
    ["install", var dir, var url, var apiBase] => await Setup.InstallAsync(dir, new Uri(url), apiBase),
    ["session", .. var rest] => await SessionLoad.RunAsync(SessionLoadOptions.Parse(rest)),
    ["storage", var provider, var connection, var seconds, var writers] => await StorageWrites.RunAsync(provider, connection, double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture), int.Parse(writers, System.Globalization.CultureInfo.InvariantCulture)),
    ["restore", var provider, var connection, var rows] => await RestoreBench.RunAsync(provider, connection, int.Parse(rows, System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        estimo-bench setup DIR                      key, JWKS and TLS certificate into DIR
        estimo-bench free-port                      prints a free loopback port
        estimo-bench mint DIR COUNT FILE [API_BASE] COUNT unique FITs, one a line, valid 1 h
        estimo-bench stubs DIR                      JWKS + Jira stand-in on loopback; prints its port
        estimo-bench bare DIR PORT                  the bare ASP.NET Core /api/me (HTTPS)
        estimo-bench install DIR URL API_BASE       sends the install lifecycle event to the remote
        estimo-bench session --url U [--poll-url U2] --dir DIR --api-base A --sessions N --participants M --rate R --seconds S [--pid P] [--pid2 P2]
        estimo-bench storage PROVIDER CONNECTION SECONDS WRITERS
        estimo-bench restore PROVIDER CONNECTION ROWS   backup and dry-run restore of ROWS sealed sessions
        """);
    return 2;
}
