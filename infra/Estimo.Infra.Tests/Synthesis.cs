using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;

[assembly: AssemblyFixture(typeof(Estimo.Infra.Tests.Synthesis))]

namespace Estimo.Infra.Tests;

/// <summary>
/// Synthesises the whole app once for the test assembly (a few seconds through jsii/Node),
/// into a temporary directory, and hands out each stack's template.
/// </summary>
public sealed class Synthesis : IDisposable
{
    private readonly string _outdir;

    public Synthesis()
    {
        _outdir = Directory.CreateTempSubdirectory("estimo-cdk-").FullName;
        System.Environment.SetEnvironmentVariable("CDK_OUTDIR", _outdir);
        var app = new App(new AppProps { Outdir = _outdir });
        (var delivery, Staging, Production) = EstimoApp.Build(app);
        app.Synth();
        Delivery = new SynthesizedTemplate(delivery);
        Environments = new Dictionary<string, SynthesizedEnvironment>
        {
            ["staging"] = new(Staging),
            ["production"] = new(Production),
        };
    }

    public EstimoStage Staging { get; }

    public EstimoStage Production { get; }

    public SynthesizedTemplate Delivery { get; }

    public IReadOnlyDictionary<string, SynthesizedEnvironment> Environments { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_outdir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}

/// <summary>The five stacks of one environment.</summary>
public sealed class SynthesizedEnvironment
{
    public SynthesizedEnvironment(EstimoStage stage)
    {
        Stage = stage;
        Network = new SynthesizedTemplate(stage.Network);
        Data = new SynthesizedTemplate(stage.Data);
        Observability = new SynthesizedTemplate(stage.Observability);
        Service = new SynthesizedTemplate(stage.Service);
        Access = new SynthesizedTemplate(stage.Access);
    }

    public EstimoStage Stage { get; }

    public SynthesizedTemplate Network { get; }

    public SynthesizedTemplate Data { get; }

    public SynthesizedTemplate Observability { get; }

    public SynthesizedTemplate Service { get; }

    public SynthesizedTemplate Access { get; }

    public IEnumerable<SynthesizedTemplate> All => [Network, Data, Observability, Service, Access];

    /// <summary>Every resource of a type across the environment's stacks.</summary>
    public IEnumerable<(string Stack, string Id, JsonObject Properties)> Resources(string type) =>
        All.SelectMany(stack => stack.Resources(type).Select(r => (stack.Name, r.Id, r.Properties)));
}

/// <summary>
/// A synthesised stack: the CDK assertions <see cref="Amazon.CDK.Assertions.Template"/> for
/// pattern matching, and the same template as JSON for "every resource of this type" checks.
/// </summary>
public sealed class SynthesizedTemplate
{
    public SynthesizedTemplate(Stack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        Name = stack.StackName;
        Template = Template.FromStack(stack);
        var assembly = Amazon.CDK.Stage.Of(stack)!.Synth();
        Json = JsonNode.Parse(File.ReadAllText(assembly.GetStackArtifact(stack.ArtifactId).TemplateFullPath))!.AsObject();
    }

    public string Name { get; }

    public Template Template { get; }

    public JsonObject Json { get; }

    public IEnumerable<(string Id, JsonObject Properties)> Resources(string type) =>
        (Json["Resources"]?.AsObject() ?? [])
            .Where(r => (string?)r.Value!["Type"] == type)
            .Select(r => (r.Key, r.Value!["Properties"]?.AsObject() ?? []));
}
