using Estimo.Infra.Stacks;

namespace Estimo.Infra.Tests;

/// <summary>Practices: "SSH is for support engineers only, with keys"; people need MFA.</summary>
public sealed class AccessTests(Synthesis synthesis)
{
    public static TheoryData<string> Environments => ["staging", "production"];

    private static readonly string SshdConfig = File.ReadAllText(AccessStack.RepositoryFile(AccessStack.SshdConfigPath));

    [Theory]
    [MemberData(nameof(Environments))]
    public void IamGroupsRequireMfa_EveryAllowNeedsMfaAndEverythingElseIsDeniedWithoutIt(string environment)
    {
        var access = synthesis.Environments[environment].Access;
        var groups = access.Resources("AWS::IAM::Group").Select(g => g.Id).ToList();
        var policies = access.Resources("AWS::IAM::Policy")
            .Where(p => p.Properties["Groups"] is not null)
            .ToList();

        Assert.Equal(2, groups.Count);
        foreach (var group in groups)
        {
            var attached = policies.Where(p => p.Properties["Groups"].Text().Contains(group, StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(attached);
            Assert.All(attached.SelectMany(p => p.Properties["PolicyDocument"]!["Statement"].Objects()), statement =>
            {
                if ((string?)statement["Effect"] == "Allow")
                {
                    Assert.Equal("true", (string?)statement["Condition"]?["Bool"]?["aws:MultiFactorAuthPresent"]);
                }
            });
            Assert.Contains(attached.SelectMany(p => p.Properties["PolicyDocument"]!["Statement"].Objects()), statement =>
                (string?)statement["Effect"] == "Deny"
                && (string?)statement["Condition"]?["BoolIfExists"]?["aws:MultiFactorAuthPresent"] == "false");
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void NoLongLivedKeys_NoIamUsersOrAccessKeysAreCreated(string environment)
    {
        Assert.Empty(synthesis.Environments[environment].Resources("AWS::IAM::User"));
        Assert.Empty(synthesis.Environments[environment].Resources("AWS::IAM::AccessKey"));
        Assert.Empty(synthesis.Delivery.Resources("AWS::IAM::AccessKey"));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void SshWithKeysOnly_TheBastionUsesAKeyPairImdsV2AndInstallsTheHardenedSshdConfig(string environment)
    {
        var (_, _, bastion) = Assert.Single(synthesis.Environments[environment].Resources("AWS::EC2::Instance"));

        Assert.Equal(synthesis.Environments[environment].Stage.Settings.SupportKeyPairName, (string?)bastion["KeyName"]);
        var userData = bastion["UserData"].Text();
        Assert.Contains("/etc/ssh/sshd_config.d/00-estimo-support.conf", userData, StringComparison.Ordinal);
        Assert.Contains("PasswordAuthentication no", userData, StringComparison.Ordinal);
        Assert.Contains("AllowGroups estimo-support", userData, StringComparison.Ordinal);
        Assert.Contains("sshd -t", userData, StringComparison.Ordinal);

        var (_, template) = Assert.Single(synthesis.Environments[environment].Access.Resources("AWS::EC2::LaunchTemplate"));
        Assert.Equal("required", (string?)template["LaunchTemplateData"]!["MetadataOptions"]!["HttpTokens"]);
    }

    [Theory]
    [InlineData("AuthenticationMethods publickey")]
    [InlineData("PasswordAuthentication no")]
    [InlineData("KbdInteractiveAuthentication no")]
    [InlineData("PermitRootLogin no")]
    [InlineData("PermitEmptyPasswords no")]
    [InlineData("AllowGroups estimo-support")]
    [InlineData("ExposeAuthInfo yes")]
    [InlineData("X11Forwarding no")]
    public void SshWithKeysOnly_TheSshdConfigSays(string line)
    {
        Assert.Contains(line, SshdConfig.Split('\n').Select(l => l.Trim()));
    }

    [Theory]
    [InlineData("KexAlgorithms", "diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1", "ecdh-sha2-nistp256")]
    [InlineData("Ciphers", "cbc", "3des", "arcfour", "aes128-ctr")]
    [InlineData("MACs", "hmac-sha1", "hmac-md5", "umac-64", "hmac-sha2-256,")]
    [InlineData("HostKeyAlgorithms", "ssh-rsa,", "ssh-dss", "ecdsa-sha2-nistp256")]
    public void SshWithKeysOnly_OnlyModernAlgorithmsAreOffered(string setting, params string[] weak)
    {
        var line = Assert.Single(SshdConfig.Split('\n'), l => l.StartsWith(setting + " ", StringComparison.Ordinal));
        var value = line[(setting.Length + 1)..].Trim() + ",";

        Assert.All(weak, w => Assert.DoesNotContain(w, value, StringComparison.Ordinal));
    }
}
