using System.Text.RegularExpressions;

namespace FirewallSim.FlowLogs;

/// <summary>Every VPC Flow Logs field FirewallSim knows (AWS semantics 5.3), with the version that introduced it.</summary>
public enum FlowField : byte
{
    Version,
    AccountId,
    InterfaceId,
    SrcAddr,
    DstAddr,
    SrcPort,
    DstPort,
    Protocol,
    Packets,
    Bytes,
    Start,
    End,
    Action,
    LogStatus,
    VpcId,
    SubnetId,
    InstanceId,
    TcpFlags,
    Type,
    PktSrcAddr,
    PktDstAddr,
    Region,
    AzId,
    SublocationType,
    SublocationId,
    PktSrcAwsService,
    PktDstAwsService,
    FlowDirection,
    TrafficPath,
    EcsClusterArn,
    EcsClusterName,
    EcsContainerInstanceArn,
    EcsContainerInstanceId,
    EcsContainerId,
    EcsSecondContainerId,
    EcsServiceName,
    EcsTaskDefinitionArn,
    EcsTaskArn,
    EcsTaskId,
    RejectReason,
    ResourceId,
    EncryptionStatus,
}

/// <summary>A validated flow-log format: the ordered fields of <c>${field} …</c> and the record version it implies.</summary>
public sealed partial class FlowLogFormat
{
    public const string DefaultFormatText =
        "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

    private static readonly (string Name, FlowField Field, int Version)[] Catalog =
    {
        ("version", FlowField.Version, 2),
        ("account-id", FlowField.AccountId, 2),
        ("interface-id", FlowField.InterfaceId, 2),
        ("srcaddr", FlowField.SrcAddr, 2),
        ("dstaddr", FlowField.DstAddr, 2),
        ("srcport", FlowField.SrcPort, 2),
        ("dstport", FlowField.DstPort, 2),
        ("protocol", FlowField.Protocol, 2),
        ("packets", FlowField.Packets, 2),
        ("bytes", FlowField.Bytes, 2),
        ("start", FlowField.Start, 2),
        ("end", FlowField.End, 2),
        ("action", FlowField.Action, 2),
        ("log-status", FlowField.LogStatus, 2),
        ("vpc-id", FlowField.VpcId, 3),
        ("subnet-id", FlowField.SubnetId, 3),
        ("instance-id", FlowField.InstanceId, 3),
        ("tcp-flags", FlowField.TcpFlags, 3),
        ("type", FlowField.Type, 3),
        ("pkt-srcaddr", FlowField.PktSrcAddr, 3),
        ("pkt-dstaddr", FlowField.PktDstAddr, 3),
        ("region", FlowField.Region, 4),
        ("az-id", FlowField.AzId, 4),
        ("sublocation-type", FlowField.SublocationType, 4),
        ("sublocation-id", FlowField.SublocationId, 4),
        ("pkt-src-aws-service", FlowField.PktSrcAwsService, 5),
        ("pkt-dst-aws-service", FlowField.PktDstAwsService, 5),
        ("flow-direction", FlowField.FlowDirection, 5),
        ("traffic-path", FlowField.TrafficPath, 5),
        ("ecs-cluster-arn", FlowField.EcsClusterArn, 7),
        ("ecs-cluster-name", FlowField.EcsClusterName, 7),
        ("ecs-container-instance-arn", FlowField.EcsContainerInstanceArn, 7),
        ("ecs-container-instance-id", FlowField.EcsContainerInstanceId, 7),
        ("ecs-container-id", FlowField.EcsContainerId, 7),
        ("ecs-second-container-id", FlowField.EcsSecondContainerId, 7),
        ("ecs-service-name", FlowField.EcsServiceName, 7),
        ("ecs-task-definition-arn", FlowField.EcsTaskDefinitionArn, 7),
        ("ecs-task-arn", FlowField.EcsTaskArn, 7),
        ("ecs-task-id", FlowField.EcsTaskId, 7),
        ("reject-reason", FlowField.RejectReason, 8),

        // Newer fields whose version AWS has not been seen to publish (U19); one third-party source says 10.
        ("resource-id", FlowField.ResourceId, 10),
        ("encryption-status", FlowField.EncryptionStatus, 10),
    };

    private FlowLogFormat(string text, FlowField[] fields, int version)
    {
        Text = text;
        Fields = fields;
        Version = version;
    }

    public static FlowLogFormat Default { get; } = Parse(DefaultFormatText);

    public string Text { get; }

    public IReadOnlyList<FlowField> Fields { get; }

    /// <summary>The default format is version 2; a custom one is the highest version among its fields (5.5).</summary>
    public int Version { get; }

    /// <summary>The header line of plain-text files: the field names, space-separated (U21).</summary>
    public string Header => string.Join(' ', Fields.Select(Name));

    public static IEnumerable<string> KnownFieldNames => Catalog.Select(c => c.Name);

    public static string Name(FlowField f) => Catalog.First(c => c.Field == f).Name;

    public static int VersionOf(FlowField f) => Catalog.First(c => c.Field == f).Version;

    public static bool TryLookup(string name, out FlowField field)
    {
        foreach (var c in Catalog)
        {
            if (string.Equals(c.Name, name, StringComparison.Ordinal))
            {
                field = c.Field;
                return true;
            }
        }

        field = default;
        return false;
    }

    public static FlowLogFormat Parse(string text) =>
        TryParse(text, out var f, out string? error) ? f : throw new FormatException(error);

    /// <summary>
    /// Parses <c>${field} ${field} …</c>: one or more known fields separated by single spaces; the error
    /// names the offending token and lists the known fields.
    /// </summary>
    public static bool TryParse(string text, out FlowLogFormat format, out string? error)
    {
        format = null!;
        var tokens = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0)
        {
            error = "the flow-log format is empty: give at least one ${field}";
            return false;
        }

        var fields = new List<FlowField>();
        int version = 2;
        foreach (string token in tokens)
        {
            var m = TokenRegex().Match(token);
            if (!m.Success)
            {
                error = $"'{token}' in the flow-log format is not of the form ${{field-name}}";
                return false;
            }

            string name = m.Groups[1].Value;
            if (!TryLookup(name, out var field))
            {
                error = $"unknown flow-log field '{name}'; known fields: {string.Join(", ", KnownFieldNames)}";
                return false;
            }

            fields.Add(field);
            version = Math.Max(version, VersionOf(field));
        }

        bool isDefault = string.Join(' ', tokens) == DefaultFormatText;
        format = new FlowLogFormat(string.Join(' ', tokens), fields.ToArray(), isDefault ? 2 : version);
        error = null;
        return true;
    }

    [GeneratedRegex(@"^\$\{([a-z0-9-]+)\}$")]
    private static partial Regex TokenRegex();
}

/// <summary>Which records a flow log keeps (CreateFlowLogs TrafficType).</summary>
public enum TrafficType : byte
{
    All,
    Accept,
    Reject,
}
