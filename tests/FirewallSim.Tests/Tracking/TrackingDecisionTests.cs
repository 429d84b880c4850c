using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Tests.Support;
using FirewallSim.Verdicts;
using static FirewallSim.Decode.TcpFlags;
using static FirewallSim.Tests.Verdicts.EdgeCaseTests;
using static FirewallSim.Verdicts.VerdictReason;

namespace FirewallSim.Tests.Tracking;

/// <summary>
/// decisions.md D5–D9 (timeouts, TCP states, UDP classification, ICMP, other protocols), each replayed from a
/// capture. Boundaries are exact: an entry is alive at idle == timeout and gone one nanosecond later (D5).
/// Probes are remote packets that no inbound rule admits, so ACCEPT means "the entry was alive".
/// </summary>
public class TrackingDecisionTests
{
    private const double Ns = 1e-9;
    private const string R = "198.51.100.20";

    // ---- D5: timeouts -------------------------------------------------------------------------------

    /// <summary>Packets that bring an E-initiated connection (E:port → R:443) to a state: (from E?, flags).</summary>
    private static (bool FromE, byte Flags)[] SetupFor(TrackState state) => state switch
    {
        TrackState.SynSent => new[] { (true, Syn) },
        TrackState.SynRecv => new[] { (true, Syn), (false, SynAck) },
        TrackState.Established => new[] { (true, Syn), (false, SynAck), (true, Ack) },
        TrackState.FinWait => new[] { (true, Syn), (false, SynAck), (true, Ack), (true, FinAck) },
        TrackState.CloseWait => new[] { (true, Syn), (false, SynAck), (true, Ack), (true, FinAck), (false, Ack) },
        TrackState.LastAck => new[] { (true, Syn), (false, SynAck), (true, Ack), (true, FinAck), (false, Ack), (false, FinAck) },
        TrackState.TimeWait => new[] { (true, Syn), (false, SynAck), (true, Ack), (true, FinAck), (false, Ack), (false, FinAck), (true, Ack) },
        TrackState.Close => new[] { (true, Syn), (false, SynAck), (true, Ack), (true, RstAck) },
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    [Theory]
    [InlineData(TrackState.SynSent, 120)]
    [InlineData(TrackState.SynRecv, 60)]
    [InlineData(TrackState.Established, 432_000)]
    [InlineData(TrackState.FinWait, 120)]
    [InlineData(TrackState.CloseWait, 60)]
    [InlineData(TrackState.LastAck, 30)]
    [InlineData(TrackState.TimeWait, 120)]
    [InlineData(TrackState.Close, 10)]
    public void D5_TcpStateTimeouts_AliveAtIdleEqualTimeout_ExpiredOneNanosecondLater(TrackState state, int timeout)
    {
        var s = new Scenario(Std("out tcp 443 0.0.0.0/0"));
        var lastSetup = new List<int>();
        double last = 0;
        foreach (int port in new[] { 49152, 49153 })
        {
            double t = 0;
            int frame = 0;
            foreach (var (fromE, flags) in SetupFor(state))
            {
                frame = fromE ? s.Tcp(t, $"{E}:{port}", R + ":443", flags) : s.Tcp(t, $"{R}:443", $"{E}:{port}", flags);
                last = t;
                t += 0.1;
            }

            lastSetup.Add(frame);
        }

        int alive = s.Tcp(last + timeout, R + ":443", E + ":49152", Ack);
        int expired = s.Tcp(last + timeout + Ns, R + ":443", E + ":49153", Ack);
        var r = s.Run();

        foreach (int f in lastSetup)
        {
            Assert.Equal(state, r.Frame(f).Count(1).Verdicts[0].State);
        }

        r.Frame(alive).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection);
        r.Frame(expired).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
    }

    [Fact]
    public void D5_UdpIcmpAndOtherProtocolTimeouts()
    {
        var s = new Scenario(Std("out all 0.0.0.0/0"));

        // UDP, one request-response: 30 s.
        s.Udp(0, E + ":40000", R + ":53");
        s.Udp(0, E + ":40001", R + ":53");
        int udpAlive = s.Udp(30, R + ":53", E + ":40000");
        int udpGone = s.Udp(30 + Ns, R + ":53", E + ":40001");

        // UDP stream (two replies): 180 s.
        foreach (int port in new[] { 41000, 41001 })
        {
            s.Udp(40, $"{E}:{port}", R + ":5060");
            s.Udp(40.1, $"{R}:5060", $"{E}:{port}");
            s.Udp(40.2, $"{E}:{port}", R + ":5060");
            s.Udp(40.3, $"{R}:5060", $"{E}:{port}");
        }

        int streamAlive = s.Udp(220.3, R + ":5060", E + ":41000");
        int streamGone = s.Udp(220.3 + Ns, R + ":5060", E + ":41001");

        // ICMP query: 30 s.
        s.Icmp(300, E, R, 8, 0, id: 1);
        s.Icmp(300, E, R, 8, 0, id: 2);
        int icmpAlive = s.Icmp(330, R, E, 0, 0, id: 1);
        int icmpGone = s.Icmp(330 + Ns, R, E, 0, 0, id: 2);

        // Other protocols: 600 s, by address pair.
        s.Ip(400, E, "198.51.100.31", IpProtocol.Gre);
        s.Ip(400, E, "198.51.100.32", IpProtocol.Gre);
        int greAlive = s.Ip(1000, "198.51.100.31", E, IpProtocol.Gre);
        int greGone = s.Ip(1000 + Ns, "198.51.100.32", E, IpProtocol.Gre);
        var r = s.Run();

        r.Frame(udpAlive).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.UdpSingle);
        r.Frame(udpGone).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(streamAlive).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.UdpStream);
        r.Frame(streamGone).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(icmpAlive).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.IcmpQuery);
        r.Frame(icmpGone).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(greAlive).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Other);
        r.Frame(greGone).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
    }

    /// <summary>
    /// Established, UDP and UDP-stream timeouts probed at exactly the timeout and one nanosecond later on a fresh
    /// connection of <paramref name="eni"/> (address <paramref name="local"/>) to <paramref name="remote"/>.
    /// </summary>
    private static void ProbeConfigurableTimeouts(AwsConfig config, string eni, string local, string remote, int established, int udp, int udpStream, int synSent = 120)
    {
        var s = new Scenario(config);
        var probes = new List<(int Frame, bool Alive)>();
        void Tcp(double start, TrackState state, int timeout, int port)
        {
            foreach (int p in new[] { port, port + 1 })
            {
                double t = start;
                foreach (var (fromE, flags) in SetupFor(state))
                {
                    _ = fromE ? s.Tcp(t, $"{local}:{p}", remote + ":80", flags) : s.Tcp(t, remote + ":80", $"{local}:{p}", flags);
                    t += 0.1;
                }
            }

            double last = start + (0.1 * (SetupFor(state).Length - 1));
            probes.Add((s.Tcp(last + timeout, remote + ":80", $"{local}:{port}", Ack), true));
            probes.Add((s.Tcp(last + timeout + Ns, remote + ":80", $"{local}:{port + 1}", Ack), false));
        }

        Tcp(0, TrackState.Established, established, 49000);
        Tcp(0, TrackState.SynSent, synSent, 49100);
        foreach (int p in new[] { 50000, 50001 })
        {
            s.Udp(0, $"{local}:{p}", remote + ":53");
        }

        probes.Add((s.Udp(udp, remote + ":53", local + ":50000"), true));
        probes.Add((s.Udp(udp + Ns, remote + ":53", local + ":50001"), false));
        foreach (int p in new[] { 51000, 51001 })
        {
            s.Udp(0, $"{local}:{p}", remote + ":53");
            s.Udp(0.1, remote + ":53", $"{local}:{p}");
            s.Udp(0.2, $"{local}:{p}", remote + ":53");
            s.Udp(0.3, remote + ":53", $"{local}:{p}");
        }

        probes.Add((s.Udp(0.3 + udpStream, remote + ":53", local + ":51000"), true));
        probes.Add((s.Udp(0.3 + udpStream + Ns, remote + ":53", local + ":51001"), false));
        var r = s.Run();
        foreach (var (frame, alive) in probes)
        {
            var v = r.Frame(frame).Count(1).Ingress(eni);
            if (alive)
            {
                v.Accept(AllowedByTrackedConnection);
            }
            else
            {
                v.Reject(RejectedNoMatchingRule);
            }
        }
    }

    [Fact]
    public void D5_PerEniConnectionTrackingConfigurationOverridesEstablishedUdpAndUdpStream()
    {
        AwsConfig Build(ConnectionTrackingSettings? ct) => new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24")
            .Eni("eni-e", "subnet-1", new[] { E }, new[] { "sg-e" }, ct: ct)
            .Group("sg-e", "out tcp 80 0.0.0.0/0", "out udp 53 0.0.0.0/0")
            .Build();

        ProbeConfigurableTimeouts(Build(new ConnectionTrackingSettings(3600, 45, 90)), "eni-e", E, R, established: 3600, udp: 45, udpStream: 90);
        ProbeConfigurableTimeouts(Build(new ConnectionTrackingSettings(null, 60, null)), "eni-e", E, R, established: 432_000, udp: 60, udpStream: 180);
        ProbeConfigurableTimeouts(Build(null), "eni-e", E, R, established: 432_000, udp: 30, udpStream: 180);
    }

    [Fact]
    public void D5_NetworkLoadBalancerEnisDefaultTo350TcpAnd120Udp_ConfigurationStillOverrides()
    {
        AwsConfig Build(ConnectionTrackingSettings? ct) => new TestVpc()
            .Subnet("subnet-2", "10.0.2.0/24")
            .Eni("eni-nlb", "subnet-2", new[] { "10.0.2.50" }, new[] { "sg-nlb" }, type: "network_load_balancer", requesterManaged: true, ct: ct)
            .Group("sg-nlb", "out tcp 80 10.0.0.0/16", "out udp 53 10.0.0.0/16")
            .Build();

        ProbeConfigurableTimeouts(Build(null), "eni-nlb", "10.0.2.50", "10.0.3.10", established: 350, udp: 120, udpStream: 120);
        ProbeConfigurableTimeouts(Build(new ConnectionTrackingSettings(1000, 40, 70)), "eni-nlb", "10.0.2.50", "10.0.3.10", established: 1000, udp: 40, udpStream: 70);
    }

    // ---- D6: TCP states -----------------------------------------------------------------------------

    [Fact]
    public void D6_EveryTransition_PeerInitiated_InitiatorClosesFirst()
    {
        var s = new Scenario(Std("in tcp 22 203.0.113.0/24"));
        const string C = "203.0.113.1:50000", S = E + ":22";
        (int Frame, TrackState State)[] steps =
        {
            (s.Tcp(1.0, C, S, Syn), TrackState.SynSent),
            (s.Tcp(1.1, C, S, Syn), TrackState.SynSent),          // retransmitted SYN
            (s.Tcp(1.2, S, C, SynAck), TrackState.SynRecv),
            (s.Tcp(1.3, S, C, SynAck), TrackState.SynRecv),       // retransmitted SYN-ACK
            (s.Tcp(1.4, C, S, Ack), TrackState.Established),
            (s.Tcp(1.5, C, S, PshAck), TrackState.Established),
            (s.Tcp(1.6, S, C, Ack), TrackState.Established),
            (s.Tcp(1.7, S, C, Syn), TrackState.Established),     // a pure SYN does not restart a live connection
            (s.Tcp(1.8, C, S, FinAck), TrackState.FinWait),
            (s.Tcp(1.9, C, S, Ack), TrackState.FinWait),          // the FIN side's own ACK changes nothing
            (s.Tcp(2.0, S, C, Ack), TrackState.CloseWait),
            (s.Tcp(2.1, S, C, PshAck), TrackState.CloseWait),
            (s.Tcp(2.2, S, C, FinAck), TrackState.LastAck),
            (s.Tcp(2.3, C, S, Ack), TrackState.TimeWait),
        };
        var r = s.Run();

        r.Frame(steps[0].Frame).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
        foreach (var (frame, state) in steps.Skip(1))
        {
            var f = r.Frame(frame).Count(1);
            f.Verdicts[0].Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Tracked(state);
        }
    }

    [Fact]
    public void D6_EveryTransition_EniInitiated_ResponderClosesFirst_AndSimultaneousFin()
    {
        var s = new Scenario(Std("out tcp 443 0.0.0.0/0"));
        string C = E + ":49152", C2 = E + ":49153", S = R + ":443";
        (int Frame, TrackState State)[] steps =
        {
            (s.Tcp(1.0, C, S, Syn), TrackState.SynSent),
            (s.Tcp(1.1, S, C, SynAck), TrackState.SynRecv),
            (s.Tcp(1.2, C, S, Ack), TrackState.Established),
            (s.Tcp(1.3, S, C, FinAck), TrackState.FinWait),
            (s.Tcp(1.4, C, S, Ack), TrackState.CloseWait),
            (s.Tcp(1.5, C, S, FinAck), TrackState.LastAck),
            (s.Tcp(1.6, S, C, Ack), TrackState.TimeWait),

            // The other side answers the first FIN with its own FIN: straight to LAST_ACK.
            (s.Tcp(2.0, C2, S, Syn), TrackState.SynSent),
            (s.Tcp(2.1, S, C2, SynAck), TrackState.SynRecv),
            (s.Tcp(2.2, C2, S, Ack), TrackState.Established),
            (s.Tcp(2.3, C2, S, FinAck), TrackState.FinWait),
            (s.Tcp(2.4, S, C2, FinAck), TrackState.LastAck),
            (s.Tcp(2.5, C2, S, Ack), TrackState.TimeWait),
        };
        var r = s.Run();

        foreach (var (frame, state) in steps)
        {
            var v = r.Frame(frame).Count(1).Verdicts[0];
            v.Tracked(state).Rule("sg-e", "out", 0);
            Assert.Equal(VerdictAction.Accept, v.Action);
        }
    }

    [Fact]
    public void D6_RstClosesFromAnyState_EitherSide()
    {
        var s = new Scenario(Std("out tcp 443 0.0.0.0/0"));
        var rsts = new List<int>();
        int port = 49152;
        foreach (var state in new[] { TrackState.SynSent, TrackState.SynRecv, TrackState.Established, TrackState.FinWait, TrackState.CloseWait, TrackState.LastAck })
        {
            foreach (bool fromE in new[] { true, false })
            {
                double t = port - 49000;
                foreach (var (e, flags) in SetupFor(state))
                {
                    _ = e ? s.Tcp(t, $"{E}:{port}", R + ":443", flags) : s.Tcp(t, R + ":443", $"{E}:{port}", flags);
                    t += 0.1;
                }

                rsts.Add(fromE ? s.Tcp(t, $"{E}:{port}", R + ":443", Rst) : s.Tcp(t, R + ":443", $"{E}:{port}", RstAck));
                port++;
            }
        }

        var r = s.Run();
        foreach (int f in rsts)
        {
            r.Frame(f).Count(1).Verdicts[0].Accept(AllowedByTrackedConnection).Tracked(TrackState.Close);
        }
    }

    [Fact]
    public void D6_OtherFirstPacketsAllowedByRulesStartEstablishedThenApplyTheirFlags()
    {
        var s = new Scenario(Std("in tcp 22 203.0.113.0/24"));
        int midStream = s.Tcp(1, "203.0.113.1:50001", E + ":22", PshAck, payload: 10);
        int synAckFirst = s.Tcp(2, "203.0.113.1:50002", E + ":22", SynAck);
        int finFirst = s.Tcp(3, "203.0.113.1:50003", E + ":22", FinAck);
        int finAnswer = s.Tcp(3.1, E + ":22", "203.0.113.1:50003", Ack);
        int rstFirst = s.Tcp(4, "203.0.113.1:50004", E + ":22", Rst);
        int notAllowed = s.Tcp(5, "198.51.100.1:50005", E + ":22", Ack);
        int notAllowedReply = s.Tcp(5.1, E + ":22", "198.51.100.1:50005", Ack);
        var r = s.Run();

        r.Frame(midStream).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.Established);
        r.Frame(synAckFirst).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.Established);
        r.Frame(finFirst).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.FinWait);
        r.Frame(finAnswer).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.CloseWait);
        r.Frame(rstFirst).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.Close);

        // A first packet the rules do not allow creates nothing.
        r.Frame(notAllowed).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(notAllowedReply).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
    }

    [Fact]
    public void D6_PureSynOnTimeWaitOrCloseDiscardsTheEntryAndIsJudgedByTheRules()
    {
        var s = new Scenario(Std("in tcp 22 203.0.113.0/24", "out tcp 443 0.0.0.0/0"));
        const string C = "203.0.113.1:50000", S = E + ":22";

        // Peer-initiated connection to TIME_WAIT, then the peer reuses the ports: a new connection, allowed by the rule.
        foreach (var (fromC, flags) in new[] { (true, Syn), (false, SynAck), (true, Ack), (true, FinAck), (false, FinAck), (true, Ack) })
        {
            _ = fromC ? s.Tcp(1, C, S, flags) : s.Tcp(1, S, C, flags);
        }

        int reuse = s.Tcp(2, C, S, Syn);

        // E-initiated connection closed by RST, then the remote sends a SYN on the same ports: no inbound rule admits it.
        string c2 = E + ":49152", s2 = R + ":443";
        s.Tcp(3, c2, s2, Syn);
        s.Tcp(3.1, s2, c2, SynAck);
        s.Tcp(3.2, c2, s2, Ack);
        int rst = s.Tcp(3.3, c2, s2, Rst);
        int synOnClose = s.Tcp(4, s2, c2, Syn);
        int afterDiscard = s.Tcp(4.1, s2, c2, Ack);   // the CLOSE entry (10 s) would still be alive: it was discarded

        // Not restarted: SYN-ACK on TIME_WAIT, SYN on ESTABLISHED.
        string c3 = E + ":49153";
        foreach (var (fromE, flags) in new[] { (true, Syn), (false, SynAck), (true, Ack), (true, FinAck), (false, FinAck), (true, Ack) })
        {
            _ = fromE ? s.Tcp(5, c3, s2, flags) : s.Tcp(5, s2, c3, flags);
        }

        int synAckOnTimeWait = s.Tcp(5.1, s2, c3, SynAck);
        var r = s.Run();

        r.Frame(reuse - 1).Count(1).Verdicts[0].Tracked(TrackState.TimeWait);
        r.Frame(reuse).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
        r.Frame(rst).Count(1).Egress("eni-e").Tracked(TrackState.Close);
        r.Frame(synOnClose).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(afterDiscard).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(synAckOnTimeWait).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.TimeWait);
    }

    // ---- D7: UDP ------------------------------------------------------------------------------------

    [Fact]
    public void D7_ReplyIsAResponderPacketRightAfterAnInitiatorPacket_TwoRepliesMakeAStream()
    {
        var s = new Scenario(Std("out udp 5000 0.0.0.0/0", "in udp 161 203.0.113.0/24"));
        string L = E + ":40000", P = R + ":5000";
        (int Frame, TrackState State)[] eniInitiated =
        {
            (s.Udp(1.0, L, P), TrackState.UdpSingle),
            (s.Udp(1.1, L, P), TrackState.UdpSingle),
            (s.Udp(1.2, P, L), TrackState.UdpSingle),   // reply 1
            (s.Udp(1.3, P, L), TrackState.UdpSingle),   // not right after an initiator packet
            (s.Udp(1.4, P, L), TrackState.UdpSingle),
            (s.Udp(1.5, L, P), TrackState.UdpSingle),
            (s.Udp(1.6, P, L), TrackState.UdpStream),   // reply 2
            (s.Udp(1.7, L, P), TrackState.UdpStream),
        };

        string M = "203.0.113.5:40000", A = E + ":161";
        (int Frame, TrackState State)[] peerInitiated =
        {
            (s.Udp(2.0, M, A), TrackState.UdpSingle),
            (s.Udp(2.1, A, M), TrackState.UdpSingle),   // reply 1 (E is the responder)
            (s.Udp(2.2, M, A), TrackState.UdpSingle),
            (s.Udp(2.3, A, M), TrackState.UdpStream),   // reply 2
        };
        var r = s.Run();

        foreach (var (frame, state) in eniInitiated.Concat(peerInitiated))
        {
            var v = r.Frame(frame).Count(1).Verdicts[0];
            Assert.Equal(VerdictAction.Accept, v.Action);
            v.Tracked(state);
        }
    }

    // ---- D8: ICMP -----------------------------------------------------------------------------------

    [Fact]
    public void D8_IcmpKeyIsAddressPairIdentifierAndQueryKind()
    {
        var s = new Scenario(Std("out icmp -1/-1 0.0.0.0/0"));
        int echo = s.Icmp(1, E, R, 8, 0, id: 1);
        int echoReply = s.Icmp(1.1, R, E, 0, 0, id: 1);
        int otherId = s.Icmp(1.2, R, E, 0, 0, id: 2);
        int otherPeer = s.Icmp(1.3, "198.51.100.21", E, 0, 0, id: 1);
        int timestamp = s.Icmp(2, E, R, 13, 0, id: 5);
        int wrongKind = s.Icmp(2.1, R, E, 0, 0, id: 5);
        int timestampReply = s.Icmp(2.2, R, E, 14, 0, id: 5);
        var r = s.Run();

        r.Frame(echo).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Tracked(TrackState.IcmpQuery);
        r.Frame(echoReply).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "out", 0).Tracked(TrackState.IcmpQuery);
        r.Frame(otherId).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(otherPeer).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(timestamp).Count(1).Egress("eni-e").Accept(AllowedByRule).Tracked(TrackState.IcmpQuery);
        r.Frame(wrongKind).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(timestampReply).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.IcmpQuery);
    }

    [Fact]
    public void D8_RepliesMatchOnlyTheRequestsOfTheOtherSide()
    {
        var s = new Scenario(Std("in icmp 8/-1 0.0.0.0/0"));
        int peerPing = s.Icmp(1, R, E, 8, 0, id: 7);
        int eniReply = s.Icmp(1.1, E, R, 0, 0, id: 7);
        int peerReplySameWay = s.Icmp(1.2, R, E, 0, 0, id: 7);
        int eniPingSameId = s.Icmp(1.3, E, R, 8, 0, id: 7);
        var r = s.Run();

        r.Frame(peerPing).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.IcmpQuery);
        r.Frame(eniReply).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.IcmpQuery);

        // Neither is an answer to the peer's request: E has no outbound rule and sent no request.
        r.Frame(peerReplySameWay).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(eniPingSameId).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
    }

    [Fact]
    public void D8_ErrorsNeverCreateOrMatchEntries_ReplyWithoutRequestCreatesNothing()
    {
        var s = new Scenario(Std("out tcp 443 0.0.0.0/0", "in udp 161 203.0.113.0/24", "in icmp 0/-1 0.0.0.0/0", "out icmpv6 128/-1 ::/0"));
        s.Tcp(1, E + ":49152", R + ":443", Syn);
        s.Tcp(1.1, R + ":443", E + ":49152", SynAck);
        int timeExceeded = s.Icmp(1.2, "192.0.2.1", E, 11, 0);           // for E's tracked TCP flow
        int snmp = s.Udp(2, "203.0.113.5:40000", E + ":161");
        int portUnreachable = s.Icmp(2.1, E, "203.0.113.5", 3, 3);         // E's answer to a tracked UDP flow
        int unsolicitedReply = s.Icmp(3, R, E, 0, 0, id: 9);
        int requestAfter = s.Icmp(3.1, E, R, 8, 0, id: 9);
        int ping6 = s.Icmp(4, E6, "2001:db8::7", 128, 0, id: 3);
        int pong6 = s.Icmp(4.1, "2001:db8::7", E6, 129, 0, id: 3);
        int tooBig6 = s.Icmp(4.2, "2001:db8::1", E6, 2, 0);
        var r = s.Run();

        r.Frame(timeExceeded).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(snmp).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.UdpSingle);
        r.Frame(portUnreachable).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(unsolicitedReply).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 1).NotTracked();
        r.Frame(requestAfter).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(ping6).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 1).Tracked(TrackState.IcmpQuery);
        r.Frame(pong6).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.IcmpQuery);
        r.Frame(tooBig6).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
    }

    // ---- D9: other protocols ------------------------------------------------------------------------

    [Fact]
    public void D9_OtherProtocolsKeyedByProtocolAndAddressPair_600sIdleRefreshedByEitherSide()
    {
        var s = new Scenario(Std("out 50 0.0.0.0/0", "out 132 0.0.0.0/0", "in 47 203.0.113.0/24"));
        int esp = s.Ip(0, E, R, IpProtocol.Esp);
        int greBack = s.Ip(1, R, E, IpProtocol.Gre);                       // another protocol: no entry
        int espOther = s.Ip(2, "198.51.100.21", E, IpProtocol.Esp);        // another address: no entry
        int espBack = s.Ip(500, R, E, IpProtocol.Esp);
        int espOut = s.Ip(1000, E, R, IpProtocol.Esp);
        int espBack2 = s.Ip(1600, R, E, IpProtocol.Esp);                  // 600 s after E's packet
        byte[] Sctp(string src, string dst, ushort sport, ushort dport) =>
            FrameBuilder.Ipv4(src, dst, IpProtocol.Sctp, FrameBuilder.Udp(sport, dport, payloadLength: 4));
        int sctpOut = s.Raw(2000, Sctp(E, R, 1000, 2000));
        int sctpBack = s.Raw(2001, Sctp(R, E, 3000, 4000));                // other "ports": same address pair
        int greIn = s.Ip(3000, "203.0.113.9", E, IpProtocol.Gre);
        int greReply = s.Ip(3001, E, "203.0.113.9", IpProtocol.Gre);       // no outbound GRE rule
        var r = s.Run();

        r.Frame(esp).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Tracked(TrackState.Other);
        r.Frame(greBack).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(espOther).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(espBack).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "out", 0).Tracked(TrackState.Other);
        r.Frame(espOut).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Other);
        r.Frame(espBack2).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Other);
        r.Frame(sctpOut).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 1).Tracked(TrackState.Other);
        r.Frame(sctpBack).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Other);
        r.Frame(greIn).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.Other);
        r.Frame(greReply).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Tracked(TrackState.Other);
    }
}
