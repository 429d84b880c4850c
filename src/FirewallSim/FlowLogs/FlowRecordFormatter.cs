using System.Buffers.Text;
using System.Text;
using FirewallSim.Config;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.FlowLogs;

/// <summary>Per-ENI metadata for records (D26), pre-encoded once.</summary>
internal sealed class EniRecordInfo
{
    public byte[] Account = Dash;
    public byte[] Id = Dash;
    public byte[] VpcId = Dash;
    public byte[] SubnetId = Dash;
    public byte[] InstanceId = Dash;
    public byte[] Region = Dash;
    public byte[] AzId = Dash;
    public IpAddr? PrimaryV4;
    public IpAddr? FirstV6;
    public HashSet<IpAddr> OwnV6 = new();
    public IpPrefix[] OwnV6Prefixes = Array.Empty<IpPrefix>();
    public IpPrefix[] VpcCidrs = Array.Empty<IpPrefix>();
    public string AccountText = "-";
    public string RegionText = "-";

    public static readonly byte[] Dash = "-"u8.ToArray();
}

/// <summary>
/// Formats records in a chosen flow-log format. Addresses follow D25 (the ENI side of an IPv4 record is
/// its primary private IPv4; foreign IPv6 becomes the ENI's first IPv6), metadata D26, '-' for anything
/// the simulator does not model.
/// </summary>
public sealed class FlowRecordFormatter
{
    private readonly EniRecordInfo[] _enis;
    private readonly FlowField[] _fields;  // an array, not the format's list: no interface call per field
    private readonly long _version;

    public FlowRecordFormatter(FlowLogFormat format, CompiledTimeline timeline)
    {
        Format = format;
        _fields = format.Fields.ToArray();
        _version = format.Version;
        _enis = new EniRecordInfo[timeline.Enis.Count];
        for (int i = 0; i < _enis.Length; i++)
        {
            _enis[i] = new EniRecordInfo();
        }

        // Newest version wins, so metadata follows the configuration the records end with.
        foreach (var version in timeline.Versions)
        {
            var config = version.Config;
            foreach (var eni in config.NetworkInterfaces.Values)
            {
                int idx = timeline.Enis.IndexOf(eni.Id);
                var info = new EniRecordInfo
                {
                    Id = Utf8(eni.Id),
                    VpcId = Utf8(eni.VpcId ?? SubnetVpc(config, eni.SubnetId)),
                    SubnetId = Utf8(eni.SubnetId),
                    InstanceId = Utf8(eni.InstanceId),
                    AzId = Utf8(eni.AvailabilityZoneId ?? SubnetAzId(config, eni.SubnetId)),
                    PrimaryV4 = eni.PrimaryIpv4 ?? (eni.PrivateIpv4Addresses.Count > 0 ? eni.PrivateIpv4Addresses[0] : null),
                    FirstV6 = eni.Ipv6Addresses.Count > 0 ? eni.Ipv6Addresses[0] : null,
                    OwnV6 = eni.Ipv6Addresses.ToHashSet(),
                    OwnV6Prefixes = eni.Ipv6Prefixes.ToArray(),
                };
                string? account = eni.OwnerId ?? config.AccountId;
                info.AccountText = account ?? "-";
                info.Account = Utf8(account);
                string? az = eni.AvailabilityZone ?? SubnetAz(config, eni.SubnetId);
                string? region = az is { Length: > 1 } && char.IsLetter(az[^1]) ? az[..^1] : config.Region;
                info.RegionText = region ?? "-";
                info.Region = Utf8(region);
                string? vpcId = eni.VpcId ?? SubnetVpc(config, eni.SubnetId);
                if (vpcId is not null && config.Vpcs.TryGetValue(vpcId, out var vpc))
                {
                    info.VpcCidrs = vpc.CidrBlocks.Concat(vpc.Ipv6CidrBlocks).ToArray();
                }

                _enis[idx] = info;
            }
        }
    }

    public FlowLogFormat Format { get; }

    public string Header => Format.Header;

    /// <summary>Owner account of an ENI's records (for the S3 layout), or "-".</summary>
    public string AccountOf(int eni) => _enis[eni].AccountText;

    public string RegionOf(int eni) => _enis[eni].RegionText;

    public string InterfaceIdOf(int eni) => Encoding.UTF8.GetString(_enis[eni].Id);

    public string FormatToString(in FlowRecord r)
    {
        var b = new Utf8LineBuilder();
        Append(b, r);
        return b.ToString();
    }

    public void Append(Utf8LineBuilder b, in FlowRecord r)
    {
        var eni = _enis[r.Eni];
        bool ok = r.Status == LogStatus.Ok;
        var fields = _fields;
        for (int i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                b.Append(' ');
            }

            switch (fields[i])
            {
                case FlowField.Version: b.Append(_version); break;
                case FlowField.AccountId: b.Append(eni.Account); break;
                case FlowField.InterfaceId: b.Append(eni.Id); break;
                case FlowField.SrcAddr:
                    if (ok)
                    {
                        b.Append(r.Direction == Direction.Egress ? EniSide(eni, r.PktSrc) : r.PktSrc);
                    }
                    else
                    {
                        b.Dash();
                    }

                    break;
                case FlowField.DstAddr:
                    if (ok)
                    {
                        b.Append(r.Direction == Direction.Ingress ? EniSide(eni, r.PktDst) : r.PktDst);
                    }
                    else
                    {
                        b.Dash();
                    }

                    break;
                case FlowField.SrcPort: if (ok) { b.Append(r.SrcPort); } else { b.Dash(); } break;
                case FlowField.DstPort: if (ok) { b.Append(r.DstPort); } else { b.Dash(); } break;
                case FlowField.Protocol: if (ok) { b.Append((long)r.Protocol); } else { b.Dash(); } break;
                case FlowField.Packets: if (ok) { b.Append(r.Packets); } else { b.Dash(); } break;
                case FlowField.Bytes: if (ok) { b.Append(r.Bytes); } else { b.Dash(); } break;
                case FlowField.Start: b.Append(r.Start); break;
                case FlowField.End: b.Append(r.End); break;
                case FlowField.Action:
                    if (ok)
                    {
                        b.Append(r.Action == VerdictAction.Accept ? "ACCEPT"u8 : "REJECT"u8);
                    }
                    else
                    {
                        b.Dash();
                    }

                    break;
                case FlowField.LogStatus:
                    b.Append(r.Status switch { LogStatus.Ok => "OK"u8, LogStatus.NoData => "NODATA"u8, _ => "SKIPDATA"u8 });
                    break;
                case FlowField.VpcId: b.Append(eni.VpcId); break;
                case FlowField.SubnetId: b.Append(eni.SubnetId); break;
                case FlowField.InstanceId: b.Append(eni.InstanceId); break;
                case FlowField.TcpFlags: if (ok) { b.Append((long)r.TcpFlags); } else { b.Dash(); } break;
                case FlowField.Type:
                    if (ok)
                    {
                        b.Append(r.PktSrc.IsV4 ? "IPv4"u8 : "IPv6"u8);
                    }
                    else
                    {
                        b.Dash();
                    }

                    break;
                case FlowField.PktSrcAddr: if (ok) { b.Append(r.PktSrc); } else { b.Dash(); } break;
                case FlowField.PktDstAddr: if (ok) { b.Append(r.PktDst); } else { b.Dash(); } break;
                case FlowField.Region: b.Append(eni.Region); break;
                case FlowField.AzId: b.Append(eni.AzId); break;
                case FlowField.FlowDirection:
                    if (ok)
                    {
                        b.Append(r.Direction == Direction.Egress ? "egress"u8 : "ingress"u8);
                    }
                    else
                    {
                        b.Dash();
                    }

                    break;
                case FlowField.TrafficPath:
                    // Only "1" (another resource in the same VPC) can be derived without route tables.
                    if (ok && r.Direction == Direction.Egress && InVpc(eni, r.PktDst))
                    {
                        b.Append('1');
                    }
                    else
                    {
                        b.Dash();
                    }

                    break;
                default:
                    b.Dash();
                    break;
            }
        }
    }

    /// <summary>D25: the ENI side of the record.</summary>
    private static IpAddr EniSide(EniRecordInfo eni, IpAddr packetAddress)
    {
        if (packetAddress.IsV4)
        {
            return eni.PrimaryV4 ?? packetAddress;
        }

        if (eni.OwnV6.Contains(packetAddress))
        {
            return packetAddress;
        }

        foreach (var p in eni.OwnV6Prefixes)
        {
            if (p.Contains(packetAddress))
            {
                return packetAddress;
            }
        }

        return eni.FirstV6 ?? eni.PrimaryV4 ?? packetAddress;
    }

    private static bool InVpc(EniRecordInfo eni, IpAddr a)
    {
        foreach (var c in eni.VpcCidrs)
        {
            if (c.Contains(a))
            {
                return true;
            }
        }

        return false;
    }

    private static string? SubnetVpc(AwsConfig c, string? subnet) => subnet is not null && c.Subnets.TryGetValue(subnet, out var s) ? s.VpcId : null;

    private static string? SubnetAz(AwsConfig c, string? subnet) => subnet is not null && c.Subnets.TryGetValue(subnet, out var s) ? s.AvailabilityZone : null;

    private static string? SubnetAzId(AwsConfig c, string? subnet) => subnet is not null && c.Subnets.TryGetValue(subnet, out var s) ? s.AvailabilityZoneId : null;

    private static byte[] Utf8(string? s) => string.IsNullOrEmpty(s) ? EniRecordInfo.Dash : Encoding.UTF8.GetBytes(s);
}

/// <summary>Builds ASCII/UTF-8 lines in a reused byte buffer.</summary>
public sealed class Utf8LineBuilder
{
    private byte[] _buf = new byte[4096];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, Length);

    public void Clear() => Length = 0;

    /// <summary>One ASCII character. (No byte overload on purpose: a byte field must format as a number.)</summary>
    public void Append(char c)
    {
        Reserve(1);
        _buf[Length++] = (byte)c;
    }

    public void Dash() => Append('-');

    public void Append(ReadOnlySpan<byte> s)
    {
        Reserve(s.Length);
        s.CopyTo(_buf.AsSpan(Length));
        Length += s.Length;
    }

    public void Append(long v)
    {
        Reserve(20);
        Utf8Formatter.TryFormat(v, _buf.AsSpan(Length), out int n);
        Length += n;
    }

    public void Append(IpAddr a)
    {
        Reserve(39);
        a.TryFormat(_buf.AsSpan(Length), out int n);
        Length += n;
    }

    public void AppendString(string s)
    {
        Reserve(Encoding.UTF8.GetMaxByteCount(s.Length));
        Length += Encoding.UTF8.GetBytes(s, _buf.AsSpan(Length));
    }

    public void NewLine() => Append('\n');

    public void WriteTo(Stream s)
    {
        s.Write(_buf, 0, Length);
        Length = 0;
    }

    public override string ToString() => Encoding.UTF8.GetString(_buf, 0, Length);

    private void Reserve(int n)
    {
        if (Length + n > _buf.Length)
        {
            Array.Resize(ref _buf, Math.Max(_buf.Length * 2, Length + n));
        }
    }
}
