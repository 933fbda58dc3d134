using System.Net.Sockets;
using Estimo.Simulator;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

// The local Jira Cloud site + Forge host. Settings: section "Simulator" (appsettings.json,
// environment variables Simulator__X, or command line --Simulator:X=value). See docs/simulator.md.
var app = SimulatorHost.Build(args);
try
{
    await app.StartAsync();
}
catch (IOException e) when (e.InnerException is AddressInUseException || e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
{
    var url = app.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value.ListenUrl;
    await Console.Error.WriteLineAsync($"estimo-simulator: cannot listen on {url}: the address is already in use (set Simulator:ListenUrl to another port).");
    return 2;
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync("estimo-simulator: invalid settings: " + string.Join(" ", e.Failures));
    return 3;
}
await app.WaitForShutdownAsync();
return 0;
