using FirewallSim.Capture;
using FirewallSim.Decode;
using FirewallSim.Net;

namespace FirewallSim.Tests.Corpus;

/// <summary>
/// What FirewallSim made of one packet, in a form the tshark comparison can use whether it came from the
/// library (<see cref="FromDecoded"/>) or from <c>fwsim inspect --packets</c>. Null means "not known
/// from this source" and is not compared.
/// </summary>
public sealed record ObservedPacket
{
    public long Frame { get; init; }

    public long TimeNs { get; init; }

    /// <summary>DecodeNames.Status: ok, not-ip, unsupported-link, truncated:tcp…</summary>
    public required string Status { get; init; }

    public int Family { get; init; }

    public IpAddr? Src { get; init; }

    public IpAddr? Dst { get; init; }

    public int? Protocol { get; init; }

    public int? SrcPort { get; init; }

    public int? DstPort { get; init; }

    public int? IcmpType { get; init; }

    public int? IcmpCode { get; init; }

    public int? FragmentOffset { get; init; }

    public bool? MoreFragments { get; init; }

    /// <summary>Set when the decoder reports an ICMP error; the inner fields are then compared.</summary>
    public bool IsIcmpError { get; init; }

    public bool HasInner { get; init; }

    public IpAddr? InnerSrc { get; init; }

    public IpAddr? InnerDst { get; init; }

    public int? InnerProtocol { get; init; }

    public int? InnerSrcPort { get; init; }

    public int? InnerDstPort { get; init; }

    public long? FileOffset { get; init; }

    public int? WireLength { get; init; }

    public int? CapturedLength { get; init; }

    /// <summary>pcapng section, 0-based.</summary>
    public int? Section { get; init; }

    /// <summary>Interface number within its pcapng section (tshark numbers them per section).</summary>
    public int? LocalInterface { get; init; }

    public ushort? LinkType { get; init; }

    public bool IsOk => Status == "ok";

    public static ObservedPacket FromDecoded(in PacketInfo p, long fileOffset, IReadOnlyList<CaptureInterface> interfaces)
    {
        var iface = interfaces[p.Interface];
        int local = interfaces.Count(i => i.Section == iface.Section && i.Index < iface.Index);
        bool ok = p.Status == DecodeStatus.Ok;
        bool ip = p.Family != IpFamily.None;
        bool transport = ok && ip && !p.IsLaterFragment;
        bool ports = transport && IpProtocol.HasPorts(p.Protocol);
        bool icmp = transport && IpProtocol.IsIcmpFamily(p.Protocol);
        return new ObservedPacket
        {
            Frame = p.FrameNumber,
            TimeNs = p.TimestampNs,
            Status = DecodeNames.Status(p),
            Family = (int)p.Family,
            Src = ip ? p.Src : null,
            Dst = ip ? p.Dst : null,
            Protocol = ip ? p.Protocol : null,
            SrcPort = ports ? p.SrcPort : null,
            DstPort = ports ? p.DstPort : null,
            IcmpType = icmp ? p.IcmpType : null,
            IcmpCode = icmp ? p.IcmpCode : null,
            FragmentOffset = ip ? p.FragmentOffset : null,
            MoreFragments = ip ? p.MoreFragments : null,
            IsIcmpError = icmp && p.IsIcmpError,
            HasInner = p.HasInner,
            InnerSrc = p.HasInner ? p.InnerSrc : null,
            InnerDst = p.HasInner ? p.InnerDst : null,
            InnerProtocol = p.HasInner ? p.InnerProtocol : null,
            InnerSrcPort = p.HasInner ? p.InnerSrcPort : null,
            InnerDstPort = p.HasInner ? p.InnerDstPort : null,
            FileOffset = fileOffset,
            WireLength = p.WireLength,
            CapturedLength = p.CapturedLength,
            Section = iface.Section,
            LocalInterface = local,
            LinkType = p.LinkType,
        };
    }
}
