using System.Runtime.CompilerServices;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.Tracking;

/// <summary>How a packet relates to connection tracking, by protocol and ICMP type (D6–D9).</summary>
internal enum TrackKind : byte
{
    Tcp,
    Udp,

    /// <summary>ICMP echo/timestamp/information/address-mask request (ICMPv6 echo request): creates and matches entries.</summary>
    IcmpRequest,

    /// <summary>The matching replies: match an entry, never create one (D8).</summary>
    IcmpReply,

    /// <summary>ICMP errors and other ICMP messages: judged by rules alone, never create or match (D8).</summary>
    IcmpUntracked,

    /// <summary>Every other protocol: keyed by protocol and address pair (D9).</summary>
    Other,
}

/// <summary>The per-protocol state rules of the tracking table: D6 (TCP), D7 (UDP), D8 (ICMP), D9 (others).</summary>
internal static class StateMachine
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TrackKind Classify(in PacketInfo p)
    {
        switch (p.Protocol)
        {
            case IpProtocol.Tcp:
                return TrackKind.Tcp;
            case IpProtocol.Udp:
                return TrackKind.Udp;
            case IpProtocol.Icmp:
                return p.IcmpType switch
                {
                    8 or 13 or 15 or 17 => TrackKind.IcmpRequest,
                    0 or 14 or 16 or 18 => TrackKind.IcmpReply,
                    _ => TrackKind.IcmpUntracked,
                };
            case IpProtocol.Icmpv6:
                return p.IcmpType switch
                {
                    128 => TrackKind.IcmpRequest,
                    129 => TrackKind.IcmpReply,
                    _ => TrackKind.IcmpUntracked,
                };
            default:
                return TrackKind.Other;
        }
    }

    /// <summary>The ICMP query kind shared by a request and its reply (the request's type).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort IcmpQueryKind(in PacketInfo p) => p.Protocol == IpProtocol.Icmpv6
        ? (ushort)128
        : p.IcmpType switch
        {
            0 or 8 => (ushort)8,
            13 or 14 => (ushort)13,
            15 or 16 => (ushort)15,
            _ => (ushort)17,
        };

    /// <summary>Sets up a new entry from its first accepted packet, then applies that packet (D6: non-SYN first packets start ESTABLISHED).</summary>
    public static void Start(ref ConnState e, TrackKind kind, byte tcpFlags, bool fromRemote)
    {
        if (fromRemote)
        {
            e.Flags |= ConnFlags.InitiatorRemote;
        }

        switch (kind)
        {
            case TrackKind.Tcp:
                bool pureSyn = (tcpFlags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst | TcpFlags.Fin)) == TcpFlags.Syn;
                if (pureSyn)
                {
                    e.State = (byte)TrackState.SynSent;
                }
                else
                {
                    e.State = (byte)TrackState.Established;
                    AdvanceTcpClose(ref e, fromInitiator: true, tcpFlags);
                }

                break;
            case TrackKind.Udp:
                e.State = (byte)TrackState.UdpSingle;
                e.Flags |= ConnFlags.LastFromInitiator;
                break;
            case TrackKind.IcmpRequest:
                e.State = (byte)TrackState.IcmpQuery;
                break;
            default:
                e.State = (byte)TrackState.Other;
                break;
        }
    }

    /// <summary>Applies a later accepted packet of the flow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Advance(ref ConnState e, TrackKind kind, byte tcpFlags, bool fromRemote)
    {
        bool fromInitiator = fromRemote == ((e.Flags & ConnFlags.InitiatorRemote) != 0);
        if (kind == TrackKind.Tcp)
        {
            AdvanceTcp(ref e, fromInitiator, tcpFlags);
        }
        else if (kind == TrackKind.Udp)
        {
            // D7: a reply is a responder packet right after an initiator packet; two replies make a stream.
            bool lastFromInitiator = (e.Flags & ConnFlags.LastFromInitiator) != 0;
            if (!fromInitiator && lastFromInitiator && e.Replies < 255)
            {
                e.Replies++;
            }

            e.Flags = fromInitiator ? e.Flags | ConnFlags.LastFromInitiator : e.Flags & ~ConnFlags.LastFromInitiator;
            e.State = (byte)(e.Replies >= 2 ? TrackState.UdpStream : TrackState.UdpSingle);
        }
    }

    /// <summary>D6: a pure SYN on an entry in TIME_WAIT or CLOSE discards it and starts a new connection.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool SynRestarts(in ConnState e, byte tcpFlags) =>
        (tcpFlags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst | TcpFlags.Fin)) == TcpFlags.Syn &&
        e.State is (byte)TrackState.TimeWait or (byte)TrackState.Close;

    private static void AdvanceTcp(ref ConnState e, bool fromInitiator, byte flags)
    {
        if ((flags & TcpFlags.Rst) != 0)
        {
            e.State = (byte)TrackState.Close;
            return;
        }

        bool syn = (flags & TcpFlags.Syn) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;
        switch ((TrackState)e.State)
        {
            case TrackState.SynSent:
                if (!fromInitiator && syn && ack)
                {
                    e.State = (byte)TrackState.SynRecv;
                }

                return;
            case TrackState.SynRecv:
                if (fromInitiator && ack && !syn)
                {
                    e.State = (byte)TrackState.Established;
                    AdvanceTcpClose(ref e, fromInitiator, flags);
                }

                return;
            default:
                AdvanceTcpClose(ref e, fromInitiator, flags);
                return;
        }
    }

    /// <summary>D6 closing states: first FIN → FIN_WAIT; other side's ACK → CLOSE_WAIT; other side's FIN → LAST_ACK; last ACK → TIME_WAIT; RST → CLOSE.</summary>
    private static void AdvanceTcpClose(ref ConnState e, bool fromInitiator, byte flags)
    {
        bool fin = (flags & TcpFlags.Fin) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;
        if ((flags & TcpFlags.Rst) != 0)
        {
            e.State = (byte)TrackState.Close;
            return;
        }

        bool fromFinSide = fromInitiator == ((e.Flags & ConnFlags.FinFromInitiator) != 0);
        switch ((TrackState)e.State)
        {
            case TrackState.Established:
                if (fin)
                {
                    e.State = (byte)TrackState.FinWait;
                    e.Flags = fromInitiator ? e.Flags | ConnFlags.FinFromInitiator : e.Flags & ~ConnFlags.FinFromInitiator;
                }

                break;
            case TrackState.FinWait:
                if (!fromFinSide)
                {
                    if (fin)
                    {
                        e.State = (byte)TrackState.LastAck;
                    }
                    else if (ack)
                    {
                        e.State = (byte)TrackState.CloseWait;
                    }
                }

                break;
            case TrackState.CloseWait:
                if (!fromFinSide && fin)
                {
                    e.State = (byte)TrackState.LastAck;
                }

                break;
            case TrackState.LastAck:
                if (fromFinSide && ack)
                {
                    e.State = (byte)TrackState.TimeWait;
                }

                break;
        }
    }
}
