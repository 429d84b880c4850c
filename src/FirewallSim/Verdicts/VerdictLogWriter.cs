using FirewallSim.Decode;
using FirewallSim.FlowLogs;
using FirewallSim.IO;
using FirewallSim.Net;

namespace FirewallSim.Verdicts;

/// <summary>
/// Writes one JSON line per (packet, ENI, direction) verdict: frame, time, ENI, direction, 5-tuple,
/// verdict, reason, deciding group rule or NACL entry, conntrack state. Written to a temporary file
/// and renamed when complete.
/// </summary>
public sealed class VerdictLogWriter : IDisposable
{
    private readonly AtomicFile _file;
    private readonly Stream _out;
    private readonly Utf8LineBuilder _b = new();
    private readonly CompiledTimeline _timeline;
    private readonly byte[][] _eniIds;

    public VerdictLogWriter(string path, CompiledTimeline timeline)
    {
        _timeline = timeline;
        _file = AtomicFile.Create(path);
        _out = new BufferedStream(_file.Stream, 1 << 20);
        _eniIds = Enumerable.Range(0, timeline.Enis.Count).Select(i => System.Text.Encoding.UTF8.GetBytes(timeline.Enis.Id(i))).ToArray();
    }

    public long Lines { get; private set; }

    public void Write(in PacketInfo p, in PacketResult r)
    {
        if (r.Disposition != PacketDisposition.Evaluated)
        {
            return;
        }

        for (int i = 0; i < r.Count; i++)
        {
            ref readonly var v = ref r.Verdicts[i];
            var b = _b;
            b.AppendString("{\"frame\":");
            b.Append(p.FrameNumber);
            b.AppendString(",\"time\":");
            AppendEpoch(b, p.TimestampNs);
            b.AppendString(",\"eni\":\"");
            b.Append(_eniIds[v.Eni]);
            b.AppendString(v.Direction == Direction.Egress ? "\",\"direction\":\"egress\"" : "\",\"direction\":\"ingress\"");
            b.AppendString(",\"protocol\":");
            b.Append(p.Protocol);
            b.AppendString(",\"src\":\"");
            b.Append(p.Src);
            b.AppendString("\",\"dst\":\"");
            b.Append(p.Dst);
            b.Append('"');
            if (p.Protocol is IpProtocol.Tcp or IpProtocol.Udp)
            {
                b.AppendString(",\"sport\":");
                b.Append(r.SrcPort);
                b.AppendString(",\"dport\":");
                b.Append(r.DstPort);
            }
            else if (IpProtocol.IsIcmpFamily(p.Protocol) && !p.IsLaterFragment)
            {
                b.AppendString(",\"icmp_type\":");
                b.Append(p.IcmpType);
                b.AppendString(",\"icmp_code\":");
                b.Append(p.IcmpCode);
            }

            b.AppendString(",\"verdict\":\"");
            b.AppendString(VerdictNames.Action(v.Action));
            b.AppendString("\",\"reason\":\"");
            b.AppendString(VerdictNames.Reason(v.Reason));
            b.Append('"');
            if (v.RuleId >= 0)
            {
                var rule = _timeline.Rules.Rule(v.RuleId);
                b.AppendString(",\"group\":\"");
                b.AppendString(rule.GroupId);
                b.AppendString(rule.Egress ? "\",\"rule_direction\":\"outbound\",\"rule_index\":" : "\",\"rule_direction\":\"inbound\",\"rule_index\":");
                b.Append(rule.Index);
                if (rule.RuleId is { } sgr)
                {
                    b.AppendString(",\"rule_id\":\"");
                    b.AppendString(sgr);
                    b.Append('"');
                }
            }

            if (v.NaclEntryId >= 0)
            {
                var e = _timeline.Rules.NaclEntry(v.NaclEntryId);
                b.AppendString(",\"nacl\":\"");
                b.AppendString(e.AclId);
                b.AppendString("\",\"nacl_rule\":\"");
                b.AppendString(e.RuleNumberText);
                b.Append('"');
            }

            b.AppendString(",\"tracking\":\"");
            b.AppendString(VerdictNames.Tracking(v.Tracking));
            b.AppendString("\",\"conntrack\":\"");
            b.AppendString(VerdictNames.State(v.State));
            b.Append('"');
            if (v.FragmentCopy)
            {
                b.AppendString(",\"fragment\":\"follows-first\"");
            }

            b.AppendString("}\n");
            Lines++;
        }

        if (_b.Length > 1 << 16)
        {
            _b.WriteTo(_out);
        }
    }

    public void Complete()
    {
        _b.WriteTo(_out);
        _out.Flush();
        _file.Commit();
    }

    public void Dispose() => _file.Dispose();

    private static void AppendEpoch(Utf8LineBuilder b, long ns)
    {
        long sec = Math.DivRem(ns, 1_000_000_000L, out long frac);
        if (frac < 0)
        {
            sec--;
            frac += 1_000_000_000L;
        }

        b.Append(sec);
        b.Append('.');
        Span<byte> digits = stackalloc byte[9];
        for (int i = 8; i >= 0; i--)
        {
            digits[i] = (byte)('0' + (frac % 10));
            frac /= 10;
        }

        b.Append(digits);
    }
}
