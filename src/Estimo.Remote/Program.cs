using Estimo.Remote;
using Estimo.Remote.Hosting;

if (args is [SelfProbe.Verb, ..])
{
    return await SelfProbe.RunAsync(args);
}

return await StartupGuard.RunAsync(() => EstimoRemoteApp.Build(args));

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
