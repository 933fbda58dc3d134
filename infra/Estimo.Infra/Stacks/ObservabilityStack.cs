using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;
using Estimo.Infra.Configuration;

namespace Estimo.Infra.Stacks;

/// <summary>
/// "Monitored by us": the alarm topic, alarms on the signals the application publishes in the
/// <c>Estimo</c> namespace, and the credentials the log shipper uses for Elastic Cloud.
/// Load-balancer alarms live next to the load balancer in <see cref="ServiceStack"/> and use
/// this stack's topic through <see cref="Alarms"/>.
/// </summary>
public sealed class ObservabilityStack : ResidentStack
{
    /// <summary>Custom metric namespace the remote and the operator CLI publish to.</summary>
    public const string MetricNamespace = "Estimo";

    /// <summary>Backups run every 24 hours; two hours of grace before someone is paged.</summary>
    public static readonly TimeSpan MaximumBackupAge = TimeSpan.FromHours(26);

    public ObservabilityStack(Construct scope, string id, EnvironmentSettings settings, DataStack data)
        : base(scope, id, settings.Region, $"Estimo {settings.Name}: alarms and log shipping credentials")
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(data);

        AlarmTopic = new Topic(this, "AlarmTopic", new TopicProps
        {
            TopicName = $"estimo-{settings.Name}-alarms",
            MasterKey = data.DataKey,
            EnforceSSL = true,
        });
        if (settings.AlarmEmail is { } email)
        {
            AlarmTopic.AddSubscription(new EmailSubscription(email));
        }

        Alarms = new Alarms(this, AlarmTopic, settings.Name);

        // The real value is put in by an operator (docs/infrastructure.md); the generated one
        // only makes the secret exist so the task definition can reference it.
        ElasticCredentials = new Secret(this, "ElasticCloud", new SecretProps
        {
            SecretName = $"estimo/{settings.Name}/elastic-cloud",
            Description = "Elastic Cloud endpoint and API key for log shipping (placeholder until set by an operator)",
            EncryptionKey = data.DataKey,
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = "{\"cloudId\":\"set-me\",\"endpoint\":\"https://set-me.invalid\"}",
                GenerateStringKey = "apiKey",
                ExcludePunctuation = true,
                PasswordLength = 40,
            },
        });

        Alarms.Add("FitRejections", Metric("FitRejections", "Sum", settings.Name), new AlarmSpec(
            "Forge invocation tokens are being rejected in bulk: a forged-token attempt or a Forge key change.",
            Threshold: 50, EvaluationPeriods: 2, Missing: TreatMissingData.NOT_BREACHING));
        Alarms.Add("BackupAge", Metric("BackupAgeSeconds", "Maximum", settings.Name, Duration.Minutes(15)), new AlarmSpec(
            "The newest application backup is older than 26 hours: the 24-hour backup promise is broken.",
            Threshold: MaximumBackupAge.TotalSeconds, EvaluationPeriods: 1,
            // No data means the backup job (or its reporting) stopped, which is as bad as an old backup.
            Missing: TreatMissingData.BREACHING));
        Alarms.Add("RestoreDrillFailure", Metric("RestoreDrillFailures", "Sum", settings.Name, Duration.Hours(1)), new AlarmSpec(
            "The scheduled restore drill failed: backups may not be restorable.",
            Threshold: 1, EvaluationPeriods: 1, Missing: TreatMissingData.NOT_BREACHING,
            Comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD));
        Alarms.Add("LogBufferFilling", Metric("LogBufferBytes", "Maximum", settings.Name), new AlarmSpec(
            "The log shipper's local buffer is filling: Elastic Cloud is unreachable or too slow, and logs will be dropped at the cap.",
            Threshold: 32 * 1024 * 1024, EvaluationPeriods: 3, Missing: TreatMissingData.NOT_BREACHING));
    }

    public Topic AlarmTopic { get; }

    public Alarms Alarms { get; }

    public Secret ElasticCredentials { get; }

    private static Metric Metric(string name, string statistic, string environment, Duration? period = null) => new(new MetricProps
    {
        Namespace = MetricNamespace,
        MetricName = name,
        DimensionsMap = new Dictionary<string, string> { ["Environment"] = environment },
        Statistic = statistic,
        Period = period ?? Duration.Minutes(5),
    });
}

/// <summary>How an alarm fires.</summary>
public sealed record AlarmSpec(
    string Description,
    double Threshold,
    double EvaluationPeriods,
    TreatMissingData Missing,
    ComparisonOperator? Comparison = null);

/// <summary>Creates alarms that notify the alarm topic both when they fire and when they clear.</summary>
public sealed class Alarms
{
    private readonly Construct _scope;
    private readonly ITopic _topic;
    private readonly string _environment;

    public Alarms(Construct scope, ITopic topic, string environment)
    {
        _scope = scope;
        _topic = topic;
        _environment = environment;
    }

    public Alarms ForScope(Construct scope) => new(scope, _topic, _environment);

    public Alarm Add(string name, IMetric metric, AlarmSpec spec)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(spec);
        var alarm = new Alarm(_scope, $"{name}Alarm", new AlarmProps
        {
            AlarmName = $"estimo-{_environment}-{name}",
            AlarmDescription = spec.Description,
            Metric = metric,
            Threshold = spec.Threshold,
            EvaluationPeriods = spec.EvaluationPeriods,
            ComparisonOperator = spec.Comparison ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
            TreatMissingData = spec.Missing,
        });
        alarm.AddAlarmAction(new SnsAction(_topic));
        alarm.AddOkAction(new SnsAction(_topic));
        return alarm;
    }
}
