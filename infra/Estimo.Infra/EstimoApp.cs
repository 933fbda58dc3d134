using Amazon.CDK;
using Estimo.Infra.Configuration;
using Estimo.Infra.Residency;
using Estimo.Infra.Stacks;

namespace Estimo.Infra;

/// <summary>Builds the whole app; shared by <c>Program</c> and the tests so both see the same tree.</summary>
public static class EstimoApp
{
    public static (DeliveryStack Delivery, EstimoStage Staging, EstimoStage Production) Build(App app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var region = app.Node.TryGetContext("estimo:region") as string ?? DataResidency.Region;
        var repository = app.Node.TryGetContext("estimo:githubRepository") as string ?? "estimo-dev/estimo";
        var delivery = new DeliveryStack(app, "EstimoDelivery", region, repository);
        var staging = new EstimoStage(app, "Staging", EnvironmentSettings.FromContext(app, "staging"));
        var production = new EstimoStage(app, "Production", EnvironmentSettings.FromContext(app, "production"));
        return (delivery, staging, production);
    }
}
