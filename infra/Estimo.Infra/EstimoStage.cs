using Amazon.CDK;
using Constructs;
using Estimo.Infra.Configuration;
using Estimo.Infra.Stacks;

namespace Estimo.Infra;

/// <summary>
/// One environment (staging or production): the five stacks in dependency order. Deployed
/// with <c>cdk deploy "Staging/*"</c> or <c>cdk deploy "Production/*"</c>.
/// </summary>
public sealed class EstimoStage : Stage
{
    public EstimoStage(Construct scope, string id, EnvironmentSettings settings)
        : base(scope, id, new StageProps())
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        Network = new NetworkStack(this, "Network", settings);
        Data = new DataStack(this, "Data", settings, Network);
        Observability = new ObservabilityStack(this, "Observability", settings, Data);
        Service = new ServiceStack(this, "Service", settings, Network, Data, Observability);
        Access = new AccessStack(this, "Access", settings, Network, Data, Service);

        foreach (var stack in new Stack[] { Network, Data, Observability, Service, Access })
        {
            Tags.Of(stack).Add("estimo:environment", settings.Name);
            Tags.Of(stack).Add("estimo:managed-by", "cdk");
        }
    }

    public EnvironmentSettings Settings { get; }

    public NetworkStack Network { get; }

    public DataStack Data { get; }

    public ObservabilityStack Observability { get; }

    public ServiceStack Service { get; }

    public AccessStack Access { get; }
}
