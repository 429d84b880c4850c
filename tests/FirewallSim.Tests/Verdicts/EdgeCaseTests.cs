using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Tests.Support;
using FirewallSim.Verdicts;
using static FirewallSim.Decode.TcpFlags;
using static FirewallSim.Verdicts.VerdictReason;

namespace FirewallSim.Tests.Verdicts;

/// <summary>
/// AWS semantics section 7, one test per edge case, each replayed from a real capture. Unless a test says
/// otherwise: ENI E = eni-e, 10.0.1.10 (secondary 10.0.1.11, IPv6 2600:1f18:1234:5601::10) in subnet-1
/// 10.0.1.0/24 of VPC 10.0.0.0/16, one group sg-e, and the VPC's default NACL (100 allow all 0.0.0.0/0,
/// 101 allow all ::/0), so a peer outside the subnet is checked against NACL entry 100 (IPv4) or 101 (IPv6).
/// </summary>
public class EdgeCaseTests
{
    internal const byte SynAck = Syn | Ack;
    internal const byte FinAck = Fin | Ack;
    internal const byte PshAck = Psh | Ack;
    internal const byte RstAck = Rst | Ack;

    internal const string E = "10.0.1.10";
    internal const string E6 = "2600:1f18:1234:5601::10";

    /// <summary>Interface, addresses as the record prints them and as the packet had them, ports, protocol, packets, tcp-flags, instance, direction, action, status.</summary>
    internal const string Fmt = "${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${tcp-flags} ${instance-id} ${flow-direction} ${action} ${log-status}";

    /// <summary>Section 7's E with the default NACL.</summary>
    internal static AwsConfig Std(params string[] rules) => TestVpc.Standard(rules).DefaultAcl().Build();

    [Fact]
    public void Edge01_InboundSynWithoutMatchingRule_Reject()
    {
        var s = new Scenario(Std("in tcp 443 0.0.0.0/0"));
        int syn = s.Tcp(1, "198.51.100.7:40000", E + ":22", Syn);
        var r = s.Run();

        r.Frame(syn).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().Nacl(100).NotTracked();
        Lines.Equal(
            new[] { "eni-e 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40000 22 6 1 2 i-eni-e ingress REJECT OK" },
            r.FlowLog(Fmt, includeNoData: false));
    }

    [Fact]
    public void Edge02_SynAckReplyOfNarrowSshWithEmptyOutbound_AcceptTracked()
    {
        var s = new Scenario(Std("in tcp 22 203.0.113.1/32"));
        int syn = s.Tcp(1, "203.0.113.1:50000", E + ":22", Syn);
        int synAck = s.Tcp(1.01, E + ":22", "203.0.113.1:50000", SynAck);
        int ack = s.Tcp(1.02, "203.0.113.1:50000", E + ":22", Ack);
        var r = s.Run();

        r.Frame(syn).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Nacl(100).Tracked(TrackState.SynSent);
        r.Frame(synAck).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Nacl(100).Tracked(TrackState.SynRecv);
        r.Frame(ack).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Tracked(TrackState.Established);
        Lines.Equal(
            new[]
            {
                "eni-e 10.0.1.10 203.0.113.1 10.0.1.10 203.0.113.1 22 50000 6 1 18 i-eni-e egress ACCEPT OK",
                "eni-e 203.0.113.1 10.0.1.10 203.0.113.1 10.0.1.10 50000 22 6 2 2 i-eni-e ingress ACCEPT OK",
            },
            r.FlowLog(Fmt, includeNoData: false));
    }

    [Fact]
    public void Edge03_TrackedSshAfterRuleDeleted_ContinuesUntilIdleTimeout_NewSynRejected()
    {
        var s = new Scenario(Std("in tcp 22 203.0.113.1/32")).ChangeAt(100, Std(), "rule deleted");
        s.Tcp(1, "203.0.113.1:50000", E + ":22", Syn);
        s.Tcp(1.01, E + ":22", "203.0.113.1:50000", SynAck);
        s.Tcp(1.02, "203.0.113.1:50000", E + ":22", Ack);
        int inAfter = s.Tcp(200, "203.0.113.1:50000", E + ":22", PshAck, payload: 40);
        int outAfter = s.Tcp(201, E + ":22", "203.0.113.1:50000", PshAck, payload: 40);
        int newSyn = s.Tcp(202, "203.0.113.1:50001", E + ":22", Syn);
        int atTimeout = s.Tcp(201 + 432_000, "203.0.113.1:50000", E + ":22", Ack);                    // idle exactly 432,000 s
        int expired = s.Tcp(201 + 432_000 + 432_001, "203.0.113.1:50000", E + ":22", Ack);            // idle 432,001 s
        var r = s.Run();

        r.Frame(inAfter).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Tracked(TrackState.Established);
        r.Frame(outAfter).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Tracked(TrackState.Established);
        r.Frame(newSyn).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().Nacl(100).NotTracked();
        r.Frame(atTimeout).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Established);
        r.Frame(expired).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
    }

    [Fact]
    public void Edge04_UntrackedSshWhenInboundRuleDeleted_NextInboundPacketRejected()
    {
        var s = new Scenario(Std("in tcp 22 0.0.0.0/0", "out all 0.0.0.0/0")).ChangeAt(100, Std("out all 0.0.0.0/0"), "inbound ssh deleted");
        int syn = s.Tcp(1, "198.51.100.7:50000", E + ":22", Syn);
        int synAck = s.Tcp(1.01, E + ":22", "198.51.100.7:50000", SynAck);
        int ack = s.Tcp(1.02, "198.51.100.7:50000", E + ":22", Ack);
        int next = s.Tcp(101, "198.51.100.7:50000", E + ":22", PshAck, payload: 40);
        int outbound = s.Tcp(102, E + ":22", "198.51.100.7:50000", PshAck, payload: 40);
        var r = s.Run();

        r.Frame(syn).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Nacl(100).Untracked(TrackState.SynSent);
        r.Frame(synAck).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Nacl(100).Untracked(TrackState.SynRecv);
        r.Frame(ack).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Untracked(TrackState.Established);

        // Cut at once: nothing remembers the flow as tracked.
        r.Frame(next).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().Nacl(100).Untracked(TrackState.Established);

        // The outbound rule is still there, so the server's own packets still leave (each direction by its own rules).
        r.Frame(outbound).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Untracked(TrackState.Established);
    }

    [Fact]
    public void Edge05_UntrackedHttpWhenOutboundAllRuleDeleted_ServerReplyRejected_NewConnectionsTracked()
    {
        var s = new Scenario(Std("in tcp 80 0.0.0.0/0", "out all 0.0.0.0/0")).ChangeAt(100, Std("in tcp 80 0.0.0.0/0"), "outbound all deleted");
        int syn = s.Tcp(1, "198.51.100.7:50000", E + ":80", Syn);
        int synAck = s.Tcp(1.01, E + ":80", "198.51.100.7:50000", SynAck);
        s.Tcp(1.02, "198.51.100.7:50000", E + ":80", Ack);
        int request = s.Tcp(101, "198.51.100.7:50000", E + ":80", PshAck, payload: 100);
        int reply = s.Tcp(101.01, E + ":80", "198.51.100.7:50000", PshAck, payload: 1000);
        int newSyn = s.Tcp(102, "198.51.100.7:50001", E + ":80", Syn);
        int newSynAck = s.Tcp(102.01, E + ":80", "198.51.100.7:50001", SynAck);
        int newAck = s.Tcp(102.02, "198.51.100.7:50001", E + ":80", Ack);
        int newReply = s.Tcp(102.03, E + ":80", "198.51.100.7:50001", PshAck, payload: 1000);
        var r = s.Run();

        r.Frame(syn).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Untracked(TrackState.SynSent);
        r.Frame(synAck).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Untracked(TrackState.SynRecv);
        r.Frame(request).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Untracked(TrackState.Established);
        r.Frame(reply).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule).NoRule().NoNacl().Untracked(TrackState.Established);

        r.Frame(newSyn).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
        r.Frame(newSynAck).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Nacl(100).Tracked(TrackState.SynRecv);
        r.Frame(newAck).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Established);
        r.Frame(newReply).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Established);
    }

    [Fact]
    public void Edge06_IcmpAlwaysTracked_RunningPingSurvivesRuleRemovalUntil30sIdle()
    {
        var open = Std("in icmp -1/-1 0.0.0.0/0", "out all 0.0.0.0/0");
        var s = new Scenario(open).ChangeAt(10, Std("out all 0.0.0.0/0"), "inbound icmp removed");
        int req1 = s.Icmp(1, "198.51.100.7", E, 8, 0, id: 9);
        int rep1 = s.Icmp(1.001, E, "198.51.100.7", 0, 0, id: 9);
        int req2 = s.Icmp(11, "198.51.100.7", E, 8, 0, id: 9);         // after the removal
        int rep2 = s.Icmp(11.001, E, "198.51.100.7", 0, 0, id: 9);
        int req3 = s.Icmp(41.001, "198.51.100.7", E, 8, 0, id: 9);     // idle exactly 30 s
        int req4 = s.Icmp(71.002, "198.51.100.7", E, 8, 0, id: 9);     // idle 30.001 s
        var r = s.Run();

        r.Frame(req1).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Nacl(100).Tracked(TrackState.IcmpQuery);
        r.Frame(rep1).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Nacl(100).Tracked(TrackState.IcmpQuery);
        r.Frame(req2).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Tracked(TrackState.IcmpQuery);
        r.Frame(rep2).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.IcmpQuery);
        r.Frame(req3).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.IcmpQuery);
        r.Frame(req4).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().NotTracked();
    }

    [Fact]
    public void Edge07_PingWithStatelessNacl_RequestAcceptReplyReject()
    {
        var config = TestVpc.Standard("in icmp -1/-1 0.0.0.0/0")
            .Acl("acl-1", new[] { "subnet-1" }, "in 100 allow icmp -1/-1 0.0.0.0/0")
            .Build();
        var s = new Scenario(config);
        int request = s.Icmp(1, "203.0.113.12", E, 8, 0, id: 3);
        int reply = s.Icmp(1.001, E, "203.0.113.12", 0, 0, id: 3);
        var r = s.Run();

        r.Frame(request).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Nacl(100, "acl-1").Tracked(TrackState.IcmpQuery);

        // The SG lets the reply out (tracked); the stateless NACL has no outbound rule, so "*" rejects it.
        r.Frame(reply).Count(1).Egress("eni-e").Reject(RejectedByNacl).Rule("sg-e", "in", 0).Nacl(32767, "acl-1").Tracked(TrackState.IcmpQuery);
        Lines.Equal(
            new[]
            {
                "eni-e 10.0.1.10 203.0.113.12 10.0.1.10 203.0.113.12 0 0 1 1 0 i-eni-e egress REJECT OK",
                "eni-e 203.0.113.12 10.0.1.10 203.0.113.12 10.0.1.10 0 0 1 1 0 i-eni-e ingress ACCEPT OK",
            },
            r.FlowLog(Fmt, includeNoData: false));
    }

    [Fact]
    public void Edge08_PingWithoutInboundIcmpRule_OneIngressRejectNoReply()
    {
        var s = new Scenario(Std("in tcp 22 0.0.0.0/0", "out all 0.0.0.0/0"));
        int request = s.Icmp(1, "203.0.113.12", E, 8, 0, id: 3);
        var r = s.Run();

        r.Frame(request).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().Nacl(100).NotTracked();
        Lines.Equal(
            new[] { "eni-e 203.0.113.12 10.0.1.10 203.0.113.12 10.0.1.10 0 0 1 1 0 i-eni-e ingress REJECT OK" },
            r.FlowLog(Fmt, includeNoData: false));
    }

    [Fact]
    public void Edge09_OutboundHttps_SynAcceptSynAckAcceptedAsTrackedResponse()
    {
        var s = new Scenario(Std("out tcp 443 0.0.0.0/0"));
        int syn = s.Tcp(1, E + ":49152", "198.51.100.20:443", Syn);
        int synAck = s.Tcp(1.02, "198.51.100.20:443", E + ":49152", SynAck);
        int ack = s.Tcp(1.03, E + ":49152", "198.51.100.20:443", Ack);
        var r = s.Run();

        r.Frame(syn).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Nacl(100).Tracked(TrackState.SynSent);
        r.Frame(synAck).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "out", 0).Nacl(100).Tracked(TrackState.SynRecv);
        r.Frame(ack).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "out", 0).Nacl(100).Tracked(TrackState.Established);
    }

    [Fact]
    public void Edge10_HttpsClientBehindNaclWithoutEphemeralInboundRule_SynAckRejectedByCatchAll()
    {
        string[] acl = { "in 100 allow tcp 80 0.0.0.0/0", "in 110 allow tcp 443 0.0.0.0/0", "out 100 allow all 0.0.0.0/0" };
        var s = new Scenario(TestVpc.Standard("out tcp 443 0.0.0.0/0").Acl("acl-web", new[] { "subnet-1" }, acl).Build());
        int syn = s.Tcp(1, E + ":49152", "198.51.100.20:443", Syn);
        int synAck = s.Tcp(1.02, "198.51.100.20:443", E + ":49152", SynAck);
        int retry = s.Tcp(2, E + ":49152", "198.51.100.20:443", Syn);
        var r = s.Run();

        r.Frame(syn).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Nacl(100).Tracked(TrackState.SynSent);

        // Denied by "*" before the SG sees it (D14): the entry is still SYN_SENT when the client retries.
        r.Frame(synAck).Count(1).Ingress("eni-e").Reject(RejectedByNacl).NoRule().Nacl(32767).NotTracked();
        r.Frame(retry).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.SynSent);

        // With an inbound ephemeral-port rule the response gets in.
        var fixedAcl = acl.Append("in 120 allow tcp 1024-65535 0.0.0.0/0").ToArray();
        var s2 = new Scenario(TestVpc.Standard("out tcp 443 0.0.0.0/0").Acl("acl-web", new[] { "subnet-1" }, fixedAcl).Build());
        s2.Tcp(1, E + ":49152", "198.51.100.20:443", Syn);
        int synAck2 = s2.Tcp(1.02, "198.51.100.20:443", E + ":49152", SynAck);
        s2.Run().Frame(synAck2).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Nacl(120).Tracked(TrackState.SynRecv);
    }

    [Fact]
    public void Edge11_NaclFirstMatchWins_DenyBeforeAllowRejects_SwappedAccepts()
    {
        var denyFirst = TestVpc.Standard("in tcp 22 0.0.0.0/0")
            .Acl("acl-1", new[] { "subnet-1" }, "in 100 deny tcp 22 0.0.0.0/0", "in 200 allow all 0.0.0.0/0", "out 100 allow all 0.0.0.0/0")
            .Build();
        var s = new Scenario(denyFirst);
        int ssh = s.Tcp(1, "198.51.100.7:50000", E + ":22", Syn);
        int http = s.Tcp(2, "198.51.100.7:50001", E + ":80", Syn);
        var r = s.Run();
        r.Frame(ssh).Count(1).Ingress("eni-e").Reject(RejectedByNacl).Nacl(100).NoRule().NotTracked();
        r.Frame(http).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).Nacl(200).NoRule();

        var allowFirst = TestVpc.Standard("in tcp 22 0.0.0.0/0")
            .Acl("acl-1", new[] { "subnet-1" }, "in 100 allow all 0.0.0.0/0", "in 200 deny tcp 22 0.0.0.0/0", "out 100 allow all 0.0.0.0/0")
            .Build();
        var s2 = new Scenario(allowFirst);
        int ssh2 = s2.Tcp(1, "198.51.100.7:50000", E + ":22", Syn);
        s2.Run().Frame(ssh2).Count(1).Ingress("eni-e").Accept(AllowedByRule).Nacl(100).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
    }

    [Fact]
    public void Edge12_Ipv6PacketAgainstIpv4OnlyNaclRules_RejectedByRule32768()
    {
        var config = TestVpc.Standard("in tcp 443 ::/0", "in tcp 443 0.0.0.0/0", "out all ::/0")
            .Acl("acl-1", new[] { "subnet-1" }, "in 100 allow all 0.0.0.0/0", "out 100 allow all 0.0.0.0/0")
            .Build();
        var s = new Scenario(config);
        int v6In = s.Tcp(1, "[2001:db8::5]:40000", $"[{E6}]:443", Syn);
        int v6Out = s.Tcp(2, $"[{E6}]:40001", "[2001:db8::5]:443", Syn);
        int v4In = s.Tcp(3, "198.51.100.7:40000", E + ":443", Syn);
        var r = s.Run();

        r.Frame(v6In).Count(1).Ingress("eni-e").Reject(RejectedByNacl).Nacl(32768).NoRule().NotTracked();
        r.Frame(v6Out).Count(1).Egress("eni-e").Reject(RejectedByNacl).Nacl(32768).Rule("sg-e", "out", 0).Tracked(TrackState.SynSent);
        r.Frame(v4In).Count(1).Ingress("eni-e").Accept(AllowedByRule).Nacl(100).Rule("sg-e", "in", 1);
    }

    [Fact]
    public void Edge13_DefaultNaclEditedBeforeIpv6_NoAutomatic101Inbound_Ipv6Rejected()
    {
        // The inbound list was edited before the VPC got IPv6, so AWS added "101 allow ::/0" outbound only.
        var config = TestVpc.Standard("in tcp 443 ::/0", "out all ::/0")
            .Acl("acl-default", Array.Empty<string>(), isDefault: true,
                "in 90 deny tcp 23 0.0.0.0/0", "in 100 allow all 0.0.0.0/0", "out 100 allow all 0.0.0.0/0", "out 101 allow all ::/0")
            .Build();
        var s = new Scenario(config);
        int v6In = s.Tcp(1, "[2001:db8::5]:40000", $"[{E6}]:443", Syn);
        int v6Out = s.Tcp(2, $"[{E6}]:40001", "[2001:db8::5]:443", Syn);
        var r = s.Run();

        r.Frame(v6In).Count(1).Ingress("eni-e").Reject(RejectedByNacl).Nacl(32768, "acl-default").NotTracked();
        r.Frame(v6Out).Count(1).Egress("eni-e").Accept(AllowedByRule).Nacl(101, "acl-default").Rule("sg-e", "out", 0);
    }

    [Fact]
    public void Edge14_TwoEnisInSameSubnet_DenyAllNaclNotApplied_SecurityGroupsDecide()
    {
        var config = new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24")
            .Eni("eni-a", "subnet-1", new[] { "10.0.1.10" }, new[] { "sg-a" })
            .Eni("eni-b", "subnet-1", new[] { "10.0.1.20" }, new[] { "sg-b" })
            .Group("sg-a", "out all 0.0.0.0/0")
            .Group("sg-b", "in tcp 5432 sg-a")
            .Acl("acl-deny", new[] { "subnet-1" })
            .Build();
        var s = new Scenario(config);
        int syn = s.Tcp(1, "10.0.1.10:40000", "10.0.1.20:5432", Syn);
        int synAck = s.Tcp(1.01, "10.0.1.20:5432", "10.0.1.10:40000", SynAck);
        int outside = s.Tcp(2, "198.51.100.7:40000", "10.0.1.20:5432", Syn);
        var r = s.Run();

        var f = r.Frame(syn).Count(2);
        Assert.Equal(0, f.IndexOf("eni-a", Direction.Egress)); // sender first (D13)
        f.Egress("eni-a").Accept(AllowedByRule).Rule("sg-a", "out", 0).NoNacl().Tracked(TrackState.SynSent);
        f.Ingress("eni-b").Accept(AllowedByRule).Rule("sg-b", "in", 0).NoNacl().Tracked(TrackState.SynSent);
        var g = r.Frame(synAck).Count(2);
        Assert.Equal(0, g.IndexOf("eni-b", Direction.Egress));
        g.Egress("eni-b").Accept(AllowedByTrackedConnection).NoNacl().Tracked(TrackState.SynRecv);
        g.Ingress("eni-a").Accept(AllowedByTrackedConnection).NoNacl().Tracked(TrackState.SynRecv);

        // The same NACL does apply across the subnet boundary.
        r.Frame(outside).Count(1).Ingress("eni-b").Reject(RejectedByNacl).Nacl(32767, "acl-deny");
    }

    [Fact]
    public void Edge15_DnsToVpcResolver_ExemptEvenWithEmptyOutboundAndDenyAllNacl_NoRecord()
    {
        var config = TestVpc.Standard().Acl("acl-deny", new[] { "subnet-1" }).Build();
        var s = new Scenario(config);
        int q1 = s.Udp(1, E + ":40000", "10.0.0.2:53", payload: 30);
        int a1 = s.Udp(1.01, "10.0.0.2:53", E + ":40000", payload: 90);
        int q2 = s.Udp(2, E + ":40001", "169.254.169.253:53", payload: 30);
        int a2 = s.Udp(2.01, "169.254.169.253:53", E + ":40001", payload: 90);
        int q3 = s.Udp(3, $"[{E6}]:40002", "[fd00:ec2::253]:53", payload: 30);
        int a3 = s.Udp(3.01, "[fd00:ec2::253]:53", $"[{E6}]:40002", payload: 90);
        int tcp = s.Tcp(4, E + ":40003", "10.0.0.2:53", Syn);
        var r = s.Run();

        foreach (int f in new[] { q1, a1, q2, a2, q3, a3, tcp })
        {
            r.Frame(f).Exempt(ExemptKind.AmazonDns);
        }

        Assert.Equal(7, r.Counters.Exempt[(int)ExemptKind.AmazonDns]);
        Assert.Equal(new[] { "eni-e - - - - - - - - - i-eni-e - - NODATA" }, r.FlowLog(Fmt));
    }

    [Fact]
    public void Edge16_DnsToExternalResolver_NotExempt_RejectedAndLogged()
    {
        var s = new Scenario(Std("out tcp 443 0.0.0.0/0"));
        int q = s.Udp(1, E + ":40000", "8.8.8.8:53", payload: 30);
        var r = s.Run();

        r.Frame(q).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule).NoRule().NoNacl().NotTracked();
        Lines.Equal(
            new[] { "eni-e 10.0.1.10 8.8.8.8 10.0.1.10 8.8.8.8 40000 53 17 1 0 i-eni-e egress REJECT OK" },
            r.FlowLog(Fmt, includeNoData: false));
    }

    [Fact]
    public void Edge17_ImdsTimeSyncAndDhcp_DeliveredWhateverSgAndNacl_NoRecord()
    {
        var mac = new MacAddr(0x0A00_0000_0110UL);
        var config = new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24", "2600:1f18:1234:5601::/64")
            .Eni("eni-e", "subnet-1", new[] { E }, new[] { "sg-e" }, ipv6: E6, mac: mac.ToString())
            .Group("sg-e")
            .Acl("acl-deny", new[] { "subnet-1" })
            .Build();
        var s = new Scenario(config);
        int imds = s.Tcp(1, E + ":40000", "169.254.169.254:80", Syn);
        int imdsBack = s.Tcp(1.01, "169.254.169.254:80", E + ":40000", SynAck);
        int imds6 = s.Tcp(1.02, $"[{E6}]:40001", "[fd00:ec2::254]:80", Syn);
        int ntp = s.Udp(2, E + ":123", "169.254.169.123:123");
        int ntp6 = s.Udp(2.01, $"[{E6}]:123", "[fd00:ec2::123]:123");
        var broadcast = new MacAddr(0xFFFF_FFFF_FFFFUL);
        int discover = s.Udp(3, "0.0.0.0:68", "255.255.255.255:67", payload: 240, srcMac: mac, dstMac: broadcast);
        int offer = s.Udp(3.01, "10.0.5.5:67", "255.255.255.255:68", payload: 240, dstMac: mac);
        var r = s.Run();

        r.Frame(imds).Exempt(ExemptKind.InstanceMetadata);
        r.Frame(imdsBack).Exempt(ExemptKind.InstanceMetadata);
        r.Frame(imds6).Exempt(ExemptKind.InstanceMetadata);
        r.Frame(ntp).Exempt(ExemptKind.TimeSync);
        r.Frame(ntp6).Exempt(ExemptKind.TimeSync);

        // Neither DHCP address belongs to E; the frames are E's by MAC (D13) and exempt by port (D17).
        r.Frame(discover).Exempt(ExemptKind.Dhcp);
        r.Frame(offer).Exempt(ExemptKind.Dhcp);
        Assert.Empty(r.FlowLog(Fmt, includeNoData: false));
    }

    [Fact]
    public void Edge18_GroupReference_PrivateSourceAccepted_ElasticIpHairpinRejected()
    {
        var config = new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24").Subnet("subnet-2", "10.0.2.0/24")
            .Eni("eni-e", "subnet-1", new[] { E }, new[] { "sg-e" })
            .Eni("eni-app", "subnet-2", new[] { "10.0.2.20" }, new[] { "sg-app" }, publicIp: "203.0.113.50")
            .Group("sg-e", "in tcp 5432 sg-app")
            .Group("sg-app", "out all 0.0.0.0/0")
            .Build();
        var s = new Scenario(config);
        int direct = s.Tcp(1, "10.0.2.20:40000", E + ":5432", Syn);
        int hairpin = s.Tcp(2, "203.0.113.50:40001", E + ":5432", Syn);
        var r = s.Run();

        var f = r.Frame(direct).Count(2);
        f.Egress("eni-app").Accept(AllowedByRule).Rule("sg-app", "out", 0).Tracked(TrackState.SynSent);
        f.Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);

        // The Elastic IP is not a member address, and not one of the app ENI's addresses either.
        r.Frame(hairpin).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().NotTracked();
    }

    [Fact]
    public void Edge19_GroupReferenceThroughMiddlebox_RelayedFrameRejected_CidrRuleAccepts()
    {
        var appMac = new MacAddr(0x0A00_0000_0220UL);
        var fwMac = new MacAddr(0x0A00_0000_0330UL);
        var eMac = new MacAddr(0x0A00_0000_0110UL);
        AwsConfig Build(string eRule) => new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24").Subnet("subnet-2", "10.0.2.0/24").Subnet("subnet-3", "10.0.3.0/24")
            .Eni("eni-e", "subnet-1", new[] { E }, new[] { "sg-e" }, mac: eMac.ToString())
            .Eni("eni-app", "subnet-2", new[] { "10.0.2.20" }, new[] { "sg-app" }, mac: appMac.ToString())
            .Eni("eni-fw", "subnet-3", new[] { "10.0.3.30" }, new[] { "sg-fw" }, mac: fwMac.ToString())
            .Group("sg-e", eRule)
            .Group("sg-app", "out all 0.0.0.0/0")
            .Group("sg-fw", "in all 0.0.0.0/0", "out all 0.0.0.0/0")
            .Build();

        var s = new Scenario(Build("in tcp 5432 sg-app"));
        int relayed = s.Tcp(1, "10.0.2.20:40000", E + ":5432", Syn, srcMac: fwMac, dstMac: eMac);
        int direct = s.Tcp(2, "10.0.2.20:40001", E + ":5432", Syn, srcMac: appMac, dstMac: eMac);
        var r = s.Run();

        // The relayed frame leaves the app (by address) and the appliance (by MAC), then reaches E.
        var f = r.Frame(relayed).Count(3);
        f.Egress("eni-app").Accept(AllowedByRule).Rule("sg-app", "out", 0);
        f.Egress("eni-fw").Accept(AllowedByRule).Rule("sg-fw", "out", 0);
        f.Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().NotTracked();
        var g = r.Frame(direct).Count(2);
        g.Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);

        // Allowing the source IP instead works through the appliance.
        var s2 = new Scenario(Build("in tcp 5432 10.0.2.20/32"));
        int relayed2 = s2.Tcp(1, "10.0.2.20:40000", E + ":5432", Syn, srcMac: fwMac, dstMac: eMac);
        s2.Run().Frame(relayed2).Count(3).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
    }

    [Fact]
    public void Edge20_AddressFamilyMismatch_Ipv4OnlyRuleRejectsIpv6()
    {
        var s = new Scenario(Std("in all 10.0.0.0/8"));
        int v6 = s.Tcp(1, "[2001:db8::5]:40000", $"[{E6}]:22", Syn);
        int v4 = s.Tcp(2, "10.9.9.9:40000", E + ":22", Syn);
        var r = s.Run();

        r.Frame(v6).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).Nacl(101).NoRule().NotTracked();
        r.Frame(v4).Count(1).Ingress("eni-e").Accept(AllowedByRule).Nacl(100).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
    }

    [Fact]
    public void Edge21_GreRuleWithPorts_PortsIgnored_Accept()
    {
        var s = new Scenario(Std("in 47 100-200 198.51.100.0/24"));
        int gre = s.Ip(1, "198.51.100.9", E, IpProtocol.Gre, payload: 24);
        int other = s.Ip(2, "198.51.101.9", E, IpProtocol.Gre, payload: 24);
        var r = s.Run();

        var rule = r.Frame(gre).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.Other).SgRule!;
        Assert.Equal((100, 200), (rule.FromPort, rule.ToPort));
        r.Frame(other).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
    }

    [Fact]
    public void Edge22_IcmpTypeRule_EchoRequestAccepted_UnsolicitedEchoReplyRejected()
    {
        var s = new Scenario(Std("in icmp 8/-1 0.0.0.0/0"));
        int request = s.Icmp(1, "198.51.100.7", E, 8, 0, id: 21);
        int reply = s.Icmp(2, "198.51.100.8", E, 0, 0, id: 22);

        // A reply travelling the same way as the peer's own request is no reply to anything E sent.
        int sameWay = s.Icmp(3, "198.51.100.7", E, 0, 0, id: 21);
        var r = s.Run();

        r.Frame(request).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.IcmpQuery);
        r.Frame(reply).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().NotTracked();
        r.Frame(sameWay).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().NotTracked();
    }

    [Fact]
    public void Edge23_IcmpRuleNeverMatchesIcmpv6()
    {
        var s = new Scenario(Std("in icmp -1/-1 0.0.0.0/0"));
        int ping6 = s.Icmp(1, "2001:db8::7", E6, 128, 0, id: 5);
        var r = s.Run();
        r.Frame(ping6).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).Nacl(101).NoRule().NotTracked();

        // An icmpv6 rule with an IPv4 peer does not help either; with an IPv6 peer it does.
        var s2 = new Scenario(Std("in icmp -1/-1 0.0.0.0/0", "in icmpv6 -1/-1 0.0.0.0/0", "in icmpv6 -1/-1 ::/0"));
        int ping6b = s2.Icmp(1, "2001:db8::7", E6, 128, 0, id: 5);
        s2.Run().Frame(ping6b).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 2).Tracked(TrackState.IcmpQuery);
    }

    [Fact]
    public void Edge24_PathMtuDiscovery_FragNeededRejectedWithoutInboundIcmpRule_AcceptedWithIt()
    {
        foreach (bool allowPmtud in new[] { false, true })
        {
            var rules = allowPmtud ? new[] { "out tcp 443 0.0.0.0/0", "in icmp 3/4 0.0.0.0/0" } : new[] { "out tcp 443 0.0.0.0/0" };
            var s = new Scenario(Std(rules));
            s.Tcp(1, E + ":49152", "198.51.100.20:443", Syn);
            s.Tcp(1.02, "198.51.100.20:443", E + ":49152", SynAck);
            s.Tcp(1.03, E + ":49152", "198.51.100.20:443", Ack);
            byte[] jumbo = FrameBuilder.Ipv4(E, "198.51.100.20", IpProtocol.Tcp, FrameBuilder.Tcp(49152, 443, PshAck, payloadLength: 9001 - 40), dontFragment: true);
            int big = s.Raw(2, jumbo);
            int fragNeeded = s.Icmp(2.01, "192.0.2.1", E, 3, 4);
            var r = s.Run();

            r.Frame(big).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Established);
            Assert.Equal(9001, r.Frame(big).Packet.IpLength);
            var v = r.Frame(fragNeeded).Count(1).Ingress("eni-e").NotTracked();
            if (allowPmtud)
            {
                v.Accept(AllowedByRule).Rule("sg-e", "in", 0);
            }
            else
            {
                v.Reject(RejectedNoMatchingRule).NoRule();
            }
        }
    }

    [Fact]
    public void Edge25_OtherProtocolResponseWindow_GreBackAfter500sAccepted_After601sSilenceRejected()
    {
        var s = new Scenario(Std("out all 0.0.0.0/0"));
        int outGre = s.Ip(0, E, "198.51.100.9", IpProtocol.Gre);
        int back500 = s.Ip(500, "198.51.100.9", E, IpProtocol.Gre);
        int back600 = s.Ip(1100, "198.51.100.9", E, IpProtocol.Gre);    // idle exactly 600 s
        int back601 = s.Ip(1701, "198.51.100.9", E, IpProtocol.Gre);    // idle 601 s
        var r = s.Run();

        r.Frame(outGre).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Tracked(TrackState.Other);
        r.Frame(back500).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "out", 0).Tracked(TrackState.Other);
        r.Frame(back600).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Other);
        r.Frame(back601).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().NotTracked();
    }

    [Fact]
    public void Edge26_UdpSingleExchange_ReplyAfter5sAccepted_31sLaterRejected()
    {
        var s = new Scenario(Std("out udp 53 0.0.0.0/0"));
        int query = s.Udp(0, E + ":40000", "8.8.8.8:53", payload: 30);
        int answer = s.Udp(5, "8.8.8.8:53", E + ":40000", payload: 90);
        int late = s.Udp(36, "8.8.8.8:53", E + ":40000", payload: 90);
        var r = s.Run();

        r.Frame(query).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Nacl(100).Tracked(TrackState.UdpSingle);
        r.Frame(answer).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "out", 0).Nacl(100).Tracked(TrackState.UdpSingle);
        r.Frame(late).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().NotTracked();
    }

    [Fact]
    public void Edge27_UdpStream_ReplyAfter120sIdleAccepted_181sIdleRejected()
    {
        var s = new Scenario(Std("out udp 5060 0.0.0.0/0"));
        s.Udp(0, E + ":40000", "198.51.100.30:5060");
        int r1 = s.Udp(0.1, "198.51.100.30:5060", E + ":40000");
        s.Udp(1, E + ":40000", "198.51.100.30:5060");
        int r2 = s.Udp(1.1, "198.51.100.30:5060", E + ":40000");
        int after120 = s.Udp(121.1, "198.51.100.30:5060", E + ":40000");
        int after181 = s.Udp(302.1, "198.51.100.30:5060", E + ":40000");
        var r = s.Run();

        r.Frame(r1).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.UdpSingle);
        r.Frame(r2).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.UdpStream);
        r.Frame(after120).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.UdpStream);
        r.Frame(after181).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
    }

    [Fact]
    public void Edge28_ConfiguredTcpEstablishedTimeout60_IdleFor61sRejected()
    {
        var config = new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24")
            .Eni("eni-e", "subnet-1", new[] { E }, new[] { "sg-e" }, ct: new ConnectionTrackingSettings(60, null, null))
            .Group("sg-e", "out tcp 443 0.0.0.0/0")
            .DefaultAcl()
            .Build();
        var s = new Scenario(config);
        foreach (int port in new[] { 49152, 49153 })
        {
            s.Tcp(0, $"{E}:{port}", "198.51.100.20:443", Syn);
            s.Tcp(0.1, "198.51.100.20:443", $"{E}:{port}", SynAck);
            s.Tcp(0.2, $"{E}:{port}", "198.51.100.20:443", Ack);
        }

        int at60 = s.Tcp(60.2, "198.51.100.20:443", E + ":49152", PshAck, payload: 10);
        int at61 = s.Tcp(61.2, "198.51.100.20:443", E + ":49153", PshAck, payload: 10);
        var r = s.Run();

        r.Frame(6).Count(1).Egress("eni-e").Tracked(TrackState.Established);
        r.Frame(at60).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Established);
        r.Frame(at61).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().NotTracked();
    }

    [Fact]
    public void Edge29_LatePacketAfterRstClose_AfterCloseTimerRejected()
    {
        var s = new Scenario(Std("out tcp 443 0.0.0.0/0"));
        s.Tcp(0, E + ":49152", "198.51.100.20:443", Syn);
        s.Tcp(0.1, "198.51.100.20:443", E + ":49152", SynAck);
        s.Tcp(0.2, E + ":49152", "198.51.100.20:443", Ack);
        int rst = s.Tcp(10, E + ":49152", "198.51.100.20:443", RstAck);
        int withinClose = s.Tcp(15, "198.51.100.20:443", E + ":49152", PshAck, payload: 100);
        int late = s.Tcp(26, "198.51.100.20:443", E + ":49152", PshAck, payload: 100);
        var r = s.Run();

        r.Frame(rst).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Close);
        r.Frame(withinClose).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Close);
        r.Frame(late).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule().NotTracked();
    }

    [Fact]
    public void Edge30_TrafficFromNetworkLoadBalancer_AutomaticallyTracked_SurvivesRuleRemoval_Nlb350sTimeoutApplies()
    {
        AwsConfig Build(params string[] eRules) => new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24").Subnet("subnet-2", "10.0.2.0/24")
            .Eni("eni-e", "subnet-1", new[] { E }, new[] { "sg-e" })
            .Eni("eni-nlb", "subnet-2", new[] { "10.0.2.50" }, new[] { "sg-nlb" }, type: "network_load_balancer", requesterManaged: true)
            .Group("sg-e", eRules)
            .Group("sg-nlb", "in tcp 80 0.0.0.0/0", "out tcp 80 10.0.0.0/16")
            .Build();
        var s = new Scenario(Build("in tcp 80 0.0.0.0/0", "out all 0.0.0.0/0")).ChangeAt(100, Build("out all 0.0.0.0/0"), "inbound 80 removed");
        int syn = s.Tcp(1, "10.0.2.50:30000", E + ":80", Syn);
        int synAck = s.Tcp(1.01, E + ":80", "10.0.2.50:30000", SynAck);
        s.Tcp(1.02, "10.0.2.50:30000", E + ":80", Ack);
        int afterRemoval = s.Tcp(101, "10.0.2.50:30000", E + ":80", PshAck, payload: 100);
        int nlbIdle350 = s.Tcp(451, E + ":80", "10.0.2.50:30000", PshAck, payload: 100);
        int nlbIdle351 = s.Tcp(802, E + ":80", "10.0.2.50:30000", PshAck, payload: 100);
        var r = s.Run();

        // Open rules both ways would make it untracked, but the peer is an NLB (D11).
        var f = r.Frame(syn).Count(2);
        f.Egress("eni-nlb").Accept(AllowedByRule).Rule("sg-nlb", "out", 0).Tracked(TrackState.SynSent);
        f.Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
        r.Frame(synAck).Count(2).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.SynRecv);
        r.Frame(afterRemoval).Count(2).Ingress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Tracked(TrackState.Established);

        // E's own entry lives 432,000 s; the NLB's lives 350 s (D5), after which its inbound rule (port 80) does not admit the reply.
        var g = r.Frame(nlbIdle350).Count(2);
        g.Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Established);
        g.Ingress("eni-nlb").Accept(AllowedByTrackedConnection).Tracked(TrackState.Established);
        var h = r.Frame(nlbIdle351).Count(2);
        h.Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Established);
        h.Ingress("eni-nlb").Reject(RejectedNoMatchingRule).NotTracked();
    }

    [Fact]
    public void Edge31_UnionAcrossGroups_MostPermissiveWins_UntrackedOnlyWhenOutboundAlsoOpen()
    {
        AwsConfig Build(bool outboundOpen) => new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24")
            .Eni("eni-e", "subnet-1", new[] { E }, new[] { "sg-a", "sg-b" })
            .Group("sg-a", "in tcp 22 203.0.113.1/32")
            .Group("sg-b", outboundOpen ? new[] { "in tcp 22 0.0.0.0/0", "out all 0.0.0.0/0" } : new[] { "in tcp 22 0.0.0.0/0" })
            .Build();

        var s = new Scenario(Build(outboundOpen: false));
        int ssh = s.Tcp(1, "198.51.100.7:50000", E + ":22", Syn);
        s.Run().Frame(ssh).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-b", "in", 0).Tracked(TrackState.SynSent);

        var s2 = new Scenario(Build(outboundOpen: true));
        int ssh2 = s2.Tcp(1, "198.51.100.7:50000", E + ":22", Syn);
        int admin = s2.Tcp(2, "203.0.113.1:50000", E + ":22", Syn);
        var r2 = s2.Run();
        r2.Frame(ssh2).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-b", "in", 0).Untracked(TrackState.SynSent);

        // Matched by the narrow and the open rule: untracked (D3); the verdict names the lowest rule id, sg-a's.
        r2.Frame(admin).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-a", "in", 0).Untracked(TrackState.SynSent);
    }

    [Fact]
    public void Edge32_PrefixListEntryRemoved_NewSynRejected_TrackedSessionContinues()
    {
        AwsConfig Build(params string[] entries) => TestVpc.Standard("in tcp 22 pl-admin").PrefixList("pl-admin", "admin-nets", entries).DefaultAcl().Build();
        var s = new Scenario(Build("198.51.100.0/24", "192.0.2.16/28")).ChangeAt(100, Build("192.0.2.16/28"), "pl-admin version 2");
        int syn = s.Tcp(1, "198.51.100.9:50000", E + ":22", Syn);
        s.Tcp(1.01, E + ":22", "198.51.100.9:50000", SynAck);
        s.Tcp(1.02, "198.51.100.9:50000", E + ":22", Ack);
        int newSyn = s.Tcp(101, "198.51.100.9:50001", E + ":22", Syn);
        int session = s.Tcp(102, "198.51.100.9:50000", E + ":22", PshAck, payload: 40);
        int stillListed = s.Tcp(103, "192.0.2.20:50000", E + ":22", Syn);
        var r = s.Run();

        r.Frame(syn).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
        r.Frame(newSyn).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule();
        r.Frame(session).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Tracked(TrackState.Established);
        r.Frame(stillListed).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
    }

    [Fact]
    public void Edge33_NewCustomNaclWithoutRules_EverythingAcrossTheBoundaryRejected()
    {
        var config = TestVpc.Standard("in all 0.0.0.0/0", "in all ::/0", "out all 0.0.0.0/0", "out all ::/0")
            .Acl("acl-new", new[] { "subnet-1" })
            .Build();
        var s = new Scenario(config);
        int inV4 = s.Tcp(1, "198.51.100.7:50000", E + ":22", Syn);
        int outV4 = s.Tcp(2, E + ":40000", "198.51.100.7:443", Syn);
        int inV6 = s.Tcp(3, "[2001:db8::5]:50000", $"[{E6}]:22", Syn);
        int outV6 = s.Tcp(4, $"[{E6}]:40000", "[2001:db8::5]:443", Syn);
        int inSubnet = s.Tcp(5, "10.0.1.50:50000", E + ":22", Syn);
        var r = s.Run();

        r.Frame(inV4).Count(1).Ingress("eni-e").Reject(RejectedByNacl).Nacl(32767, "acl-new").NotTracked();
        r.Frame(outV4).Count(1).Egress("eni-e").Reject(RejectedByNacl).Nacl(32767, "acl-new").Rule("sg-e", "out", 0).Untracked(TrackState.SynSent);
        r.Frame(inV6).Count(1).Ingress("eni-e").Reject(RejectedByNacl).Nacl(32768, "acl-new").NotTracked();
        r.Frame(outV6).Count(1).Egress("eni-e").Reject(RejectedByNacl).Nacl(32768, "acl-new").Rule("sg-e", "out", 1);
        r.Frame(inSubnet).Count(1).Ingress("eni-e").Accept(AllowedByRule).NoNacl().Rule("sg-e", "in", 0);
    }

    [Fact]
    public void Edge34_ConntrackAllowanceExhausted_NewTrackedFlowDropped_ExistingAndUntrackedUnaffected()
    {
        foreach (bool rejectOption in new[] { false, true })
        {
            var options = EngineOptions.Default with { ConntrackMax = 2, RejectOnAllowanceDrop = rejectOption };
            var s = new Scenario(Std("in tcp 22 203.0.113.0/24", "in tcp 80 0.0.0.0/0", "out all 0.0.0.0/0"), options);
            int flow1 = s.Tcp(1, "203.0.113.1:50001", E + ":22", Syn);
            int flow2 = s.Tcp(2, "203.0.113.2:50002", E + ":22", Syn);
            int flow3 = s.Tcp(3, "203.0.113.3:50003", E + ":22", Syn);
            int existing = s.Tcp(4, E + ":22", "203.0.113.1:50001", SynAck);
            int untracked = s.Tcp(5, "198.51.100.7:40000", E + ":80", Syn);
            var r = s.Run();

            r.Frame(flow1).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.SynSent);
            r.Frame(flow2).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.SynSent);
            r.Frame(flow3).Count(1).Ingress("eni-e").Is(rejectOption ? VerdictAction.Reject : VerdictAction.Drop, DroppedConntrackAllowance)
                .Rule("sg-e", "in", 0).Nacl(100).NotTracked();
            r.Frame(existing).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.SynRecv);
            r.Frame(untracked).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 1).Untracked(TrackState.SynSent);
            Assert.Equal(1, r.Counters.ConntrackAllowanceExceeded);

            var dropped = r.FlowLog(Fmt, includeNoData: false).Where(l => l.Contains("203.0.113.3", StringComparison.Ordinal)).ToList();
            Lines.Equal(
                rejectOption ? new[] { "eni-e 203.0.113.3 10.0.1.10 203.0.113.3 10.0.1.10 50003 22 6 1 2 i-eni-e ingress REJECT OK" } : Array.Empty<string>(),
                dropped);
        }
    }

    [Fact]
    public void Edge35_TrafficToSecondaryIp_RecordShowsPrimaryAsDstaddrAndSecondaryAsPktDstaddr()
    {
        var s = new Scenario(Std("in tcp 443 0.0.0.0/0"));
        s.Tcp(1, "198.51.100.7:40000", "10.0.1.11:443", Syn);
        s.Tcp(1.01, "10.0.1.11:443", "198.51.100.7:40000", SynAck);
        var r = s.Run();

        r.Frame(1).Count(1).Ingress("eni-e").Accept(AllowedByRule);
        r.Frame(2).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection);
        Lines.Equal(
            new[]
            {
                "eni-e 10.0.1.10 198.51.100.7 10.0.1.11 198.51.100.7 443 40000 6 1 18 i-eni-e egress ACCEPT OK",
                "eni-e 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.11 40000 443 6 1 2 i-eni-e ingress ACCEPT OK",
            },
            r.FlowLog(Fmt, includeNoData: false));
    }

    [Fact]
    public void Edge36_ShortConnectionInOneWindow_Flags3And19_BulkInLaterWindow_Flags0()
    {
        var s = new Scenario(Std("in tcp 80 0.0.0.0/0"));
        const string C = "198.51.100.7";

        // Window 1: a whole short connection (port 40000) and the handshake of a long one (port 40001).
        s.Tcp(1, C + ":40000", E + ":80", Syn);
        s.Tcp(1.01, E + ":80", C + ":40000", SynAck);
        s.Tcp(1.02, C + ":40000", E + ":80", Ack);
        s.Tcp(1.03, C + ":40000", E + ":80", FinAck);
        s.Tcp(1.04, E + ":80", C + ":40000", Ack);
        s.Tcp(1.05, E + ":80", C + ":40000", FinAck);
        s.Tcp(1.06, C + ":40000", E + ":80", Ack);
        s.Tcp(2, C + ":40001", E + ":80", Syn);
        s.Tcp(2.01, E + ":80", C + ":40001", SynAck);
        s.Tcp(2.02, C + ":40001", E + ":80", Ack);

        // Window 2: bulk data only (ACK, PSH|ACK).
        s.Tcp(61, C + ":40001", E + ":80", PshAck, payload: 100);
        s.Tcp(61.01, E + ":80", C + ":40001", PshAck, payload: 1400);
        s.Tcp(61.02, C + ":40001", E + ":80", Ack);
        s.Tcp(61.03, E + ":80", C + ":40001", PshAck, payload: 1400);
        var r = s.Run();

        Assert.All(r.Frames, f => Assert.Equal(VerdictAction.Accept, f.Verdicts.Single().Action));
        Lines.Equal(
            new[]
            {
                "eni-e 10.0.1.10 198.51.100.7 10.0.1.10 198.51.100.7 80 40000 6 3 19 i-eni-e egress ACCEPT OK",
                "eni-e 10.0.1.10 198.51.100.7 10.0.1.10 198.51.100.7 80 40001 6 1 18 i-eni-e egress ACCEPT OK",
                "eni-e 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40000 80 6 4 3 i-eni-e ingress ACCEPT OK",
                "eni-e 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40001 80 6 2 2 i-eni-e ingress ACCEPT OK",
                "eni-e 10.0.1.10 198.51.100.7 10.0.1.10 198.51.100.7 80 40001 6 2 0 i-eni-e egress ACCEPT OK",
                "eni-e 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40001 80 6 2 0 i-eni-e ingress ACCEPT OK",
            },
            r.FlowLog(Fmt, includeNoData: false));
    }

    [Fact]
    public void Edge37_EniWithoutTrafficInAWindow_OneNodataRecord()
    {
        var config = TestVpc.Standard("in tcp 443 0.0.0.0/0")
            .Eni("eni-f", "subnet-1", new[] { "10.0.1.20" }, new[] { "sg-e" })
            .Build();
        var s = new Scenario(config);
        s.Tcp(1, "198.51.100.7:40000", E + ":443", Syn);           // window 0: E only
        s.Tcp(125, "198.51.100.7:40001", "10.0.1.20:443", Syn);    // window 2: F only; window 1 is empty
        var r = s.Run();

        const long w = Scenario.T0Seconds;
        Lines.Equal(
            new[]
            {
                $"2 111122223333 eni-e 198.51.100.7 10.0.1.10 40000 443 6 1 40 {w + 1} {w + 1} ACCEPT OK",
                $"2 111122223333 eni-f - - - - - - - {w} {w + 59} - NODATA",
                $"2 111122223333 eni-e - - - - - - - {w + 60} {w + 119} - NODATA",
                $"2 111122223333 eni-f - - - - - - - {w + 60} {w + 119} - NODATA",
                $"2 111122223333 eni-e - - - - - - - {w + 120} {w + 179} - NODATA",
                $"2 111122223333 eni-f 198.51.100.7 10.0.1.20 40001 443 6 1 40 {w + 125} {w + 125} ACCEPT OK",
            },
            r.FlowLog(FirewallSim.FlowLogs.FlowLogFormat.DefaultFormatText));
    }

    [Fact]
    public void Edge38_NatGatewayPath_OnlyNaclsOnNatEni_RecordsShowNatPrivateIp_InstanceTrackedAlways()
    {
        var instMac = new MacAddr(0x0A00_0000_0220UL);
        var natMac = new MacAddr(0x0A00_0000_0150UL);
        var routerMac = new MacAddr(0x0A00_0000_0101UL);
        var config = new TestVpc()
            .Subnet("subnet-public", "10.0.1.0/24").Subnet("subnet-private", "10.0.2.0/24")
            .Eni("eni-inst", "subnet-private", new[] { "10.0.2.20" }, new[] { "sg-inst" }, mac: instMac.ToString())
            .Eni("eni-nat", "subnet-public", new[] { "10.0.1.50" }, Array.Empty<string>(), mac: natMac.ToString(), type: "natGateway", requesterManaged: true)
            .Group("sg-inst", "in all 0.0.0.0/0", "out all 0.0.0.0/0")
            .Acl("acl-public", new[] { "subnet-public" },
                "in 100 allow tcp 1024-65535 0.0.0.0/0", "in 110 allow all 10.0.0.0/16", "out 100 allow all 0.0.0.0/0")
            .Build();
        var s = new Scenario(config);
        const string H = "198.51.100.10";
        int toNat = s.Tcp(1, "10.0.2.20:40000", H + ":443", Syn, srcMac: instMac, dstMac: natMac);
        int natOut = s.Tcp(1.001, "10.0.1.50:61000", H + ":443", Syn, srcMac: natMac, dstMac: routerMac);
        int natIn = s.Tcp(1.02, H + ":443", "10.0.1.50:61000", SynAck, srcMac: routerMac, dstMac: natMac);
        int fromNat = s.Tcp(1.021, H + ":443", "10.0.2.20:40000", SynAck, srcMac: natMac, dstMac: instMac);
        int unsolicited = s.Tcp(2, H + ":443", "10.0.1.50:22", Syn, srcMac: routerMac, dstMac: natMac);
        var r = s.Run();

        // Instance side: open rules both ways, yet tracked because the next hop is a NAT gateway (D11).
        var f = r.Frame(toNat).Count(2);
        f.Egress("eni-inst").Accept(AllowedByRule).Rule("sg-inst", "out", 0).NoNacl().Tracked(TrackState.SynSent);
        f.Ingress("eni-nat").Accept(AllowedNoSecurityGroups).NoRule().Nacl(110).NotTracked();
        r.Frame(natOut).Count(1).Egress("eni-nat").Accept(AllowedNoSecurityGroups).Nacl(100);
        r.Frame(natIn).Count(1).Ingress("eni-nat").Accept(AllowedNoSecurityGroups).Nacl(100);
        var g = r.Frame(fromNat).Count(2);
        g.Egress("eni-nat").Accept(AllowedNoSecurityGroups).Nacl(100);
        g.Ingress("eni-inst").Accept(AllowedByTrackedConnection).Tracked(TrackState.SynRecv);

        // Only the NACL protects the NAT gateway ENI.
        r.Frame(unsolicited).Count(1).Ingress("eni-nat").Reject(RejectedByNacl).Nacl(32767).NoRule();

        Lines.Equal(
            new[]
            {
                "eni-inst 10.0.2.20 198.51.100.10 10.0.2.20 198.51.100.10 40000 443 6 1 2 i-eni-inst egress ACCEPT OK",
                "eni-inst 198.51.100.10 10.0.2.20 198.51.100.10 10.0.2.20 443 40000 6 1 18 i-eni-inst ingress ACCEPT OK",
                "eni-nat 10.0.1.50 198.51.100.10 10.0.1.50 198.51.100.10 61000 443 6 1 2 - egress ACCEPT OK",
                "eni-nat 10.0.1.50 10.0.2.20 198.51.100.10 10.0.2.20 443 40000 6 1 18 - egress ACCEPT OK",
                "eni-nat 10.0.2.20 10.0.1.50 10.0.2.20 198.51.100.10 40000 443 6 1 2 - ingress ACCEPT OK",
                "eni-nat 198.51.100.10 10.0.1.50 198.51.100.10 10.0.1.50 443 22 6 1 2 - ingress REJECT OK",
                "eni-nat 198.51.100.10 10.0.1.50 198.51.100.10 10.0.1.50 443 61000 6 1 18 - ingress ACCEPT OK",
            },
            r.FlowLog(Fmt, includeNoData: false));
    }
}
