var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/health/live", () => Results.Ok());
await app.RunAsync();

/// <summary>Entry point, visible to WebApplicationFactory-based tests.</summary>
public partial class Program;
