namespace FirewallSim.Config.Loading;

/// <summary>The <see cref="ConfigDiagnostic.Code"/> values the loader and the validator use.</summary>
public static class ConfigDiagnosticCodes
{
    // Arguments and files.
    public const string NoSuchPath = "no-such-path";
    public const string EmptyDirectory = "empty-directory";
    public const string InvalidTime = "invalid-time";
    public const string NoBaseVersion = "no-base-version";
    public const string UnreadableFile = "unreadable-file";
    public const string InvalidJson = "invalid-json";
    public const string InvalidYaml = "invalid-yaml";
    public const string UnknownFormat = "unknown-format";

    // Values.
    public const string MissingField = "missing-field";
    public const string InvalidValue = "invalid-value";
    public const string InvalidCidr = "invalid-cidr";
    public const string InvalidAddress = "invalid-address";
    public const string InvalidMac = "invalid-mac";
    public const string InvalidProtocol = "invalid-protocol";
    public const string InvalidPort = "invalid-port";
    public const string InvertedPortRange = "inverted-port-range";
    public const string InvalidIcmp = "invalid-icmp";
    public const string PortWildcard = "port-wildcard";
    public const string IcmpCodeWithoutType = "icmp-code-without-type";
    public const string CidrCanonicalised = "cidr-canonicalised";
    public const string PrefixListIdUnknown = "prefix-list-id-unknown";

    // CloudFormation and Terraform.
    public const string UnresolvedValue = "unresolved-value";
    public const string ConditionSkipped = "condition-skipped";
    public const string DefaultEgress = "cfn-default-egress";
    public const string CountBasedAddresses = "count-based-addresses";
    public const string RuleDropped = "rule-dropped";

    // Merging.
    public const string DuplicateDefinition = "duplicate-definition";
    public const string DuplicateRule = "duplicate-rule";

    // Validation.
    public const string NaclRuleNumber = "nacl-rule-number";
    public const string DuplicateNaclRule = "duplicate-nacl-rule";
    public const string DuplicateEniAddress = "duplicate-eni-address";
    public const string UnknownGroup = "unknown-group";
    public const string UnknownPrefixList = "unknown-prefix-list";
    public const string PrefixListEntriesUnknown = "prefix-list-entries-unknown";
    public const string UnknownNetworkAcl = "unknown-network-acl";
    public const string SubnetAclConflict = "subnet-acl-conflict";
    public const string EniWithoutGroups = "eni-without-groups";
    public const string EniWithoutAddress = "eni-without-address";
    public const string AddressOutsideSubnet = "address-outside-subnet";
    public const string StaleReference = "stale-reference";
    public const string AccountInferred = "account-inferred";
    public const string EmptyConfiguration = "empty-configuration";
}
