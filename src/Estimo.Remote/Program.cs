using Estimo.Remote;
using Estimo.Remote.Hosting;

return await StartupGuard.RunAsync(() => EstimoRemoteApp.Build(args));

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
