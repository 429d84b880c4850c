using FirewallSim.Net;

namespace FirewallSim.Synthesis;

/// <summary>Where a flow is in its life; each value names the packet it sends next.</summary>
internal enum FlowPhase : byte
{
    Syn,
    SynAck,
    HandshakeAck,
    Request,
    Response,
    PathMtuIcmp,
    Teardown,
    EchoRequest,
    EchoReply,
    DnsQuery,
    DnsResponse,
    Probe,
    PortUnreachable,
    ScanSyn,
    ScanReply,
    ScanReset,
}

[Flags]
internal enum FlowFlags : byte
{
    None = 0,
    Active = 1,
    V6 = 2,

    /// <summary>The client port came from <see cref="PortAllocator"/> and goes back to it at the end.</summary>
    PortReserved = 4,

    /// <summary>The first response segment will draw an ICMP "fragmentation needed".</summary>
    PathMtuPending = 8,

    /// <summary>The server, not the client, ends the connection.</summary>
    ServerCloses = 16,

    /// <summary>The flow crosses the internet (longer round trips than inside the VPC).</summary>
    InternetPath = 32,
}

/// <summary>
/// The whole state of one open flow in 96 bytes, kept in one array (no object per flow), so that
/// millions can be open at once. "Client" is the side that starts the flow.
/// </summary>
internal struct FlowSlot
{
    public IpAddr Client;
    public IpAddr Server;

    /// <summary>Flow number in order of start: seeds everything derived per flow (echo payloads, DNS answers).</summary>
    public uint Serial;

    /// <summary>TCP: next sequence number of each side.</summary>
    public uint ClientSeq;
    public uint ServerSeq;

    /// <summary>TCP: the message being sent, its length and how much of it has gone.</summary>
    public uint MessageLength;
    public uint MessageSent;

    /// <summary>TCP: where the current message's bytes start in the random payload pool.</summary>
    public uint PoolOffset;

    /// <summary>IPv6 flow labels: the client's is the low 20 bits, the server's the high 20.</summary>
    public uint FlowLabels;

    /// <summary>Packets still to send, teardown included.</summary>
    public int Remaining;

    /// <summary>TCP: packets still to send before the teardown.</summary>
    public int DataLeft;

    public ushort ClientPort;
    public ushort ServerPort;
    public ushort ClientIpId;
    public ushort ServerIpId;
    public ushort Mss;

    /// <summary>ICMP echo identifier, DNS transaction id.</summary>
    public ushort Aux;

    /// <summary>TCP response: segments and client ACKs still to send.</summary>
    public ushort SegmentsLeft;
    public ushort AcksLeft;

    public SyntheticFlowKind Kind;
    public FlowPhase Phase;
    public FlowFlags Flags;

    /// <summary>Step inside the phase: teardown step, echo packets sent, DNS name index (+0x80 for AAAA).</summary>
    public byte Step;

    /// <summary>TCP response: server segments before the client's next ACK.</summary>
    public byte SegmentsUntilAck;

    /// <summary>TCP: the client ACKs every first or every second segment of a response.</summary>
    public byte AckEvery;

    /// <summary>TCP: 3 or 4 packets of FIN teardown, or 1 RST.</summary>
    public byte Teardown;

    public byte ClientTtl;
    public byte ServerTtl;

    /// <summary>Index into the engine's endpoint table (ENIs, resolver, public DNS) or <see cref="SyntheticEngine.Internet"/>.</summary>
    public byte ClientEndpoint;
    public byte ServerEndpoint;

    public readonly bool IsV6 => (Flags & FlowFlags.V6) != 0;

    public readonly bool IsActive => (Flags & FlowFlags.Active) != 0;
}
