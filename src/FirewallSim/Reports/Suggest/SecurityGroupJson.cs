using System.Text.Encodings.Web;
using System.Text.Json;
using FirewallSim.Config;
using FirewallSim.Net;

namespace FirewallSim.Reports.Suggest;

/// <summary>
/// Security groups as <c>aws ec2 describe-security-groups</c> prints them (spec 6.1), which the config
/// loader reads back: rules with the same protocol and ports share one IpPermission, one peer list entry each.
/// </summary>
public static class SecurityGroupJson
{
    internal static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(Stream stream, IEnumerable<SecurityGroup> groups)
    {
        using var j = new Utf8JsonWriter(stream, WriterOptions);
        j.WriteStartObject();
        j.WriteStartArray("SecurityGroups");
        foreach (var g in groups)
        {
            j.WriteStartObject();
            j.WriteString("GroupId", g.Id);
            if (g.Name is not null)
            {
                j.WriteString("GroupName", g.Name);
            }

            if (g.Description is not null)
            {
                j.WriteString("Description", g.Description);
            }

            if (g.OwnerId is not null)
            {
                j.WriteString("OwnerId", g.OwnerId);
            }

            if (g.VpcId is not null)
            {
                j.WriteString("VpcId", g.VpcId);
            }

            j.WritePropertyName("IpPermissions");
            WritePermissions(j, g.Inbound, includeDescriptions: true, emptyLists: true);
            j.WritePropertyName("IpPermissionsEgress");
            WritePermissions(j, g.Outbound, includeDescriptions: true, emptyLists: true);
            j.WriteEndObject();
        }

        j.WriteEndArray();
        j.WriteEndObject();
    }

    public static string ToJson(IEnumerable<SecurityGroup> groups)
    {
        using var ms = new MemoryStream();
        Write(ms, groups);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>An IpPermission list (also what <c>--ip-permissions</c> of the AWS CLI takes).</summary>
    /// <param name="emptyLists">Write the four peer lists even when empty, as describe-security-groups does.</param>
    public static void WritePermissions(Utf8JsonWriter j, IEnumerable<SecurityGroupRule> rules, bool includeDescriptions, bool emptyLists)
    {
        j.WriteStartArray();
        foreach (var perm in rules.GroupBy(r => (r.Protocol, From: Ports(r).From, To: Ports(r).To)))
        {
            j.WriteStartObject();
            j.WriteString("IpProtocol", ProtocolText(perm.Key.Protocol));
            if (perm.Key.From is { } from && perm.Key.To is { } to)
            {
                j.WriteNumber("FromPort", from);
                j.WriteNumber("ToPort", to);
            }

            var list = perm.ToList();
            Peers(j, "IpRanges", emptyLists, list.Where(r => r.Peer.Kind == PeerKind.Cidr && r.Peer.Cidr.IsV4), r => ("CidrIp", r.Peer.Cidr.ToString(), null), includeDescriptions);
            Peers(j, "Ipv6Ranges", emptyLists, list.Where(r => r.Peer.Kind == PeerKind.Cidr && !r.Peer.Cidr.IsV4), r => ("CidrIpv6", r.Peer.Cidr.ToString(), null), includeDescriptions);
            Peers(j, "PrefixListIds", emptyLists, list.Where(r => r.Peer.Kind == PeerKind.PrefixList), r => ("PrefixListId", r.Peer.PrefixListId!, null), includeDescriptions);
            Peers(j, "UserIdGroupPairs", emptyLists, list.Where(r => r.Peer.Kind == PeerKind.SecurityGroup), r => ("GroupId", r.Peer.GroupId!, r.Peer.UserId), includeDescriptions);
            j.WriteEndObject();
        }

        j.WriteEndArray();
    }

    /// <summary>tcp, udp, icmp, icmpv6, -1, or the protocol number.</summary>
    public static string ProtocolText(int protocol) => protocol switch
    {
        RuleProtocol.All => "-1",
        IpProtocol.Tcp => "tcp",
        IpProtocol.Udp => "udp",
        IpProtocol.Icmp => "icmp",
        IpProtocol.Icmpv6 => "icmpv6",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>FromPort/ToPort as AWS writes them: ports for TCP/UDP (0-65535 for all), type/code for ICMP, none otherwise.</summary>
    public static (int? From, int? To) Ports(SecurityGroupRule r)
    {
        if (r.PortsApply)
        {
            return r.CoversAllPorts ? (0, 65535) : (r.FromPort, r.ToPort);
        }

        if (r.IcmpApplies)
        {
            return (r.FromPort, r.FromPort < 0 ? -1 : r.ToPort);
        }

        return (null, null);
    }

    private static void Peers(Utf8JsonWriter j, string name, bool whenEmpty, IEnumerable<SecurityGroupRule> rules, Func<SecurityGroupRule, (string Key, string Value, string? UserId)> peer, bool includeDescriptions)
    {
        var list = rules.ToList();
        if (list.Count == 0 && !whenEmpty)
        {
            return;
        }

        j.WriteStartArray(name);
        foreach (var r in list)
        {
            var (key, value, user) = peer(r);
            j.WriteStartObject();
            j.WriteString(key, value);
            if (user is not null)
            {
                j.WriteString("UserId", user);
            }

            if (includeDescriptions && r.Description is { Length: > 0 } d)
            {
                j.WriteString("Description", d);
            }

            j.WriteEndObject();
        }

        j.WriteEndArray();
    }
}
