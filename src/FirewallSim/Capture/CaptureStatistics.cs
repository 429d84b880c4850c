using FirewallSim.Decode;
using FirewallSim.Net;

namespace FirewallSim.Capture;

/// <summary>A capinfos-like tally of one capture: counts only, fixed arrays, nothing allocated per packet.</summary>
public sealed class CaptureStatistics
{
    public const int ProtoTcp = 0;
    public const int ProtoUdp = 1;
    public const int ProtoIcmp = 2;
    public const int ProtoOther = 3;

    private readonly long[,] _mix = new long[2, 4];
    private readonly long[] _truncated = new long[Enum.GetValues<DecodeLayer>().Length];
    private readonly long[] _malformed = new long[Enum.GetValues<MalformedReason>().Length];
    private readonly Dictionary<int, long> _unsupportedLinkTypes = new();

    public CaptureStatistics(string source) => Source = source;

    public string Source { get; }

    public long Packets { get; private set; }

    public long WireBytes { get; private set; }

    public long CapturedBytes { get; private set; }

    public long FirstTimestampNs { get; private set; } = long.MaxValue;

    public long LastTimestampNs { get; private set; } = long.MinValue;

    public long NonIp { get; private set; }

    public long Fragments { get; private set; }

    public long FirstFragments { get; private set; }

    public long LaterFragments { get; private set; }

    public long OutOfOrderTimestamps { get; private set; }

    private long _previousTs = long.MinValue;

    public IReadOnlyDictionary<int, long> UnsupportedLinkTypes => _unsupportedLinkTypes;

    public long Mix(IpFamily family, int protoClass) => _mix[family == IpFamily.V4 ? 0 : 1, protoClass];

    public long Truncated(DecodeLayer layer) => _truncated[(int)layer];

    public long Malformed(MalformedReason reason) => _malformed[(int)reason];

    public long DecodeProblems { get; private set; }

    public void Add(in PacketInfo p)
    {
        Packets++;
        WireBytes += p.WireLength;
        CapturedBytes += p.CapturedLength;
        if (p.TimestampNs < FirstTimestampNs)
        {
            FirstTimestampNs = p.TimestampNs;
        }

        if (p.TimestampNs > LastTimestampNs)
        {
            LastTimestampNs = p.TimestampNs;
        }

        if (p.TimestampNs < _previousTs)
        {
            OutOfOrderTimestamps++;
        }

        _previousTs = p.TimestampNs;

        switch (p.Status)
        {
            case DecodeStatus.NotIp:
                NonIp++;
                return;
            case DecodeStatus.UnsupportedLinkType:
                _unsupportedLinkTypes[p.LinkType] = _unsupportedLinkTypes.GetValueOrDefault(p.LinkType) + 1;
                return;
            case DecodeStatus.Truncated:
                _truncated[(int)p.Layer]++;
                DecodeProblems++;
                break;
            case DecodeStatus.Malformed:
                _malformed[(int)p.Reason]++;
                DecodeProblems++;
                break;
        }

        if (p.Family == IpFamily.None)
        {
            return;
        }

        int cls = p.Protocol switch
        {
            IpProtocol.Tcp => ProtoTcp,
            IpProtocol.Udp => ProtoUdp,
            IpProtocol.Icmp or IpProtocol.Icmpv6 => ProtoIcmp,
            _ => ProtoOther,
        };
        _mix[p.Family == IpFamily.V4 ? 0 : 1, cls]++;
        if (p.IsFragment)
        {
            Fragments++;
            if (p.FragmentOffset == 0)
            {
                FirstFragments++;
            }
            else
            {
                LaterFragments++;
            }
        }
    }

    /// <summary>Stable names for decode problems, as printed by inspect ("truncated:tcp", "malformed:ipv4-total-length").</summary>
    public IEnumerable<KeyValuePair<string, long>> Problems()
    {
        foreach (var layer in Enum.GetValues<DecodeLayer>())
        {
            if (_truncated[(int)layer] > 0)
            {
                yield return new("truncated:" + DecodeNames.Layer(layer), _truncated[(int)layer]);
            }
        }

        foreach (var reason in Enum.GetValues<MalformedReason>())
        {
            if (_malformed[(int)reason] > 0)
            {
                yield return new("malformed:" + DecodeNames.Reason(reason), _malformed[(int)reason]);
            }
        }
    }
}
