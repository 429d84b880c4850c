using System.Text;
using System.Text.Json;
using FirewallSim.Config;

namespace FirewallSim.Reports.Suggest;

/// <summary>
/// The suggested groups as a CloudFormation template (JSON): one <c>AWS::EC2::SecurityGroup</c> per group with
/// its CIDR and prefix-list rules inline, and every rule that references a group as a stand-alone
/// <c>AWS::EC2::SecurityGroupIngress</c>/<c>Egress</c> resource (AWS's advice for groups that reference each
/// other, which avoids circular dependencies). References to groups of the template use <c>Ref</c>.
/// A group without inline egress rules gets CDK's match-nothing egress rule (icmp 252/86 to
/// 255.255.255.255/32): without any, CloudFormation would add allow-all egress (spec 6.6).
/// Each group is tagged <c>fwsim:replaces</c> with the id of the group it stands for.
/// </summary>
public static class CloudFormationSnippet
{
    /// <summary>The placeholder egress rule that keeps CloudFormation from adding allow-all egress.</summary>
    public const string NoTrafficCidr = "255.255.255.255/32";

    public static void Write(Stream stream, IReadOnlyList<SecurityGroup> groups, string? description = null)
    {
        var ids = LogicalIds(groups);
        using var j = new Utf8JsonWriter(stream, SecurityGroupJson.WriterOptions);
        j.WriteStartObject();
        j.WriteString("AWSTemplateFormatVersion", "2010-09-09");
        j.WriteString("Description", description ?? "Least-privilege security groups suggested by fwsim from observed traffic");
        j.WriteStartObject("Resources");
        foreach (var g in groups)
        {
            string logical = ids[g.Id];
            j.WriteStartObject(logical);
            j.WriteString("Type", "AWS::EC2::SecurityGroup");
            j.WriteStartObject("Properties");
            j.WriteString("GroupDescription", g.Description ?? "suggested by fwsim");
            if (g.Name is { Length: > 0 } name && !g.IsDefault)
            {
                j.WriteString("GroupName", name);
            }

            if (g.VpcId is not null)
            {
                j.WriteString("VpcId", g.VpcId);
            }

            j.WriteStartArray("SecurityGroupIngress");
            foreach (var r in g.Inbound.Where(r => r.Peer.Kind != PeerKind.SecurityGroup))
            {
                Rule(j, r, ids, standalone: null);
            }

            j.WriteEndArray();
            j.WriteStartArray("SecurityGroupEgress");
            var egress = g.Outbound.Where(r => r.Peer.Kind != PeerKind.SecurityGroup).ToList();
            foreach (var r in egress)
            {
                Rule(j, r, ids, standalone: null);
            }

            if (egress.Count == 0)
            {
                j.WriteStartObject();
                j.WriteString("IpProtocol", "icmp");
                j.WriteNumber("FromPort", 252);
                j.WriteNumber("ToPort", 86);
                j.WriteString("CidrIp", NoTrafficCidr);
                j.WriteString("Description", "Disallow all traffic");
                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteStartArray("Tags");
            j.WriteStartObject();
            j.WriteString("Key", "fwsim:replaces");
            j.WriteString("Value", g.Id);
            j.WriteEndObject();
            j.WriteEndArray();
            j.WriteEndObject();
            j.WriteEndObject();
        }

        foreach (var g in groups)
        {
            int n = 0;
            foreach (var r in g.Inbound.Concat(g.Outbound).Where(r => r.Peer.Kind == PeerKind.SecurityGroup))
            {
                j.WriteStartObject(ids[g.Id] + (r.Egress ? "Egress" : "Ingress") + (++n).ToString(System.Globalization.CultureInfo.InvariantCulture));
                j.WriteString("Type", r.Egress ? "AWS::EC2::SecurityGroupEgress" : "AWS::EC2::SecurityGroupIngress");
                Rule(j, r, ids, standalone: ids[g.Id]);
                j.WriteEndObject();
            }
        }

        j.WriteEndObject();
        j.WriteEndObject();
    }

    public static string ToJson(IReadOnlyList<SecurityGroup> groups, string? description = null)
    {
        using var ms = new MemoryStream();
        Write(ms, groups, description);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Logical ids: "Sg" + the group's name (or id) in PascalCase letters and digits, unique.</summary>
    public static Dictionary<string, string> LogicalIds(IEnumerable<SecurityGroup> groups)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in groups)
        {
            var sb = new StringBuilder("Sg");
            bool upper = true;
            foreach (char c in g.Name is { Length: > 0 } n ? n : g.Id)
            {
                if (char.IsAsciiLetterOrDigit(c))
                {
                    sb.Append(upper ? char.ToUpperInvariant(c) : c);
                    upper = false;
                }
                else
                {
                    upper = true;
                }
            }

            string id = sb.ToString();
            for (int i = 2; !used.Add(id); i++)
            {
                id = sb + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            result[g.Id] = id;
        }

        return result;
    }

    private static void Rule(Utf8JsonWriter j, SecurityGroupRule r, Dictionary<string, string> ids, string? standalone)
    {
        if (standalone is not null)
        {
            j.WriteStartObject("Properties");
            j.WriteStartObject("GroupId");
            j.WriteString("Ref", standalone);
            j.WriteEndObject();
        }
        else
        {
            j.WriteStartObject();
        }

        j.WriteString("IpProtocol", SecurityGroupJson.ProtocolText(r.Protocol));
        var (from, to) = SecurityGroupJson.Ports(r);
        if (from is { } f && to is { } t)
        {
            j.WriteNumber("FromPort", f);
            j.WriteNumber("ToPort", t);
        }

        switch (r.Peer.Kind)
        {
            case PeerKind.Cidr:
                j.WriteString(r.Peer.Cidr.IsV4 ? "CidrIp" : "CidrIpv6", r.Peer.Cidr.ToString());
                break;
            case PeerKind.PrefixList:
                j.WriteString(r.Egress ? "DestinationPrefixListId" : "SourcePrefixListId", r.Peer.PrefixListId);
                break;
            default:
                string key = r.Egress ? "DestinationSecurityGroupId" : "SourceSecurityGroupId";
                if (ids.TryGetValue(r.Peer.GroupId!, out string? logical))
                {
                    j.WriteStartObject(key);
                    j.WriteString("Ref", logical);
                    j.WriteEndObject();
                }
                else
                {
                    j.WriteString(key, r.Peer.GroupId);
                    if (!r.Egress && r.Peer.UserId is not null)
                    {
                        j.WriteString("SourceSecurityGroupOwnerId", r.Peer.UserId);
                    }
                }

                break;
        }

        if (r.Description is { Length: > 0 } d)
        {
            j.WriteString("Description", d);
        }

        j.WriteEndObject();
    }
}
