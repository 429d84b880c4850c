using FirewallSim.Config;
using FirewallSim.FlowLogs;
using FirewallSim.Tests.Support;
using FirewallSim.Verdicts;
using static FirewallSim.Decode.TcpFlags;
using static FirewallSim.Tests.Verdicts.EdgeCaseTests;
using static FirewallSim.Verdicts.VerdictReason;

namespace FirewallSim.Tests.Verdicts;

/// <summary>The examples AWS itself documents, replayed from captures and checked down to the flow-log lines.</summary>
public class AwsWorkedExampleTests
{
    /// <summary>
    /// "Flow log record examples": ping from 203.0.113.12 to an instance with private IP 172.31.16.139; the SG allows
    /// inbound ICMP and no outbound ICMP; the NACL allows inbound ICMP but not outbound ICMP (AWS semantics 4.7).
    /// </summary>
    private static AwsConfig PingVpc(string[] sgRules, string[] aclEntries)
    {
        var config = new TestVpc("172.31.0.0/16", ipv6Cidr: null)
            .Subnet("subnet-1", "172.31.16.0/20")
            .Eni("eni-1235b8ca123456789", "subnet-1", new[] { "172.31.16.139" }, new[] { "sg-web" })
            .Group("sg-web", sgRules)
            .Acl("acl-1", new[] { "subnet-1" }, aclEntries)
            .Build();
        var eni = config.NetworkInterfaces["eni-1235b8ca123456789"] with { OwnerId = "123456789010" };
        return config with { NetworkInterfaces = new Dictionary<string, NetworkInterface> { [eni.Id] = eni } };
    }

    private static ScenarioResult Ping(AwsConfig config, bool replies)
    {
        var s = new Scenario(config) { FlowLogInterval = 600 };
        for (int i = 0; i < 4; i++)
        {
            // 84-byte echo messages (20 IP + 8 ICMP + 56 data), as ping sends them: 4 × 84 = 336 bytes.
            s.Icmp(i, "203.0.113.12", "172.31.16.139", 8, 0, id: 0x1f, payload: 56);
            if (replies)
            {
                s.Icmp(i + 0.001, "172.31.16.139", "203.0.113.12", 0, 0, id: 0x1f, payload: 56);
            }
        }

        return s.Run();
    }

    [Fact]
    public void PingWithOutboundDenyingNacl_IngressAccept_EgressReject()
    {
        var r = Ping(PingVpc(new[] { "in icmp -1/-1 0.0.0.0/0" }, new[] { "in 100 allow icmp -1/-1 0.0.0.0/0" }), replies: true);
        for (int f = 1; f <= 8; f += 2)
        {
            // One ping process, one identifier: the first request opens the entry, the next ones match it.
            r.Frame(f).Count(1).Ingress("eni-1235b8ca123456789").Accept(f == 1 ? AllowedByRule : AllowedByTrackedConnection)
                .Rule("sg-web", "in", 0).Nacl(100).Tracked(TrackState.IcmpQuery);
            r.Frame(f + 1).Count(1).Egress("eni-1235b8ca123456789").Reject(RejectedByNacl).Nacl(32767).Tracked(TrackState.IcmpQuery);
        }

        const long w = Scenario.T0Seconds;
        Lines.Equal(
            new[]
            {
                $"2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 {w} {w + 3} REJECT OK",
                $"2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 {w} {w + 3} ACCEPT OK",
            },
            r.FlowLog(FlowLogFormat.DefaultFormatText));
    }

    [Fact]
    public void PingWhenNaclAlsoAllowsOutboundIcmp_TwoAcceptRecords()
    {
        var r = Ping(PingVpc(new[] { "in icmp -1/-1 0.0.0.0/0" }, new[] { "in 100 allow icmp -1/-1 0.0.0.0/0", "out 100 allow icmp -1/-1 0.0.0.0/0" }), replies: true);
        const long w = Scenario.T0Seconds;
        Lines.Equal(
            new[]
            {
                $"2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 {w} {w + 3} ACCEPT OK",
                $"2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 {w} {w + 3} ACCEPT OK",
            },
            r.FlowLog(FlowLogFormat.DefaultFormatText));
    }

    [Fact]
    public void PingWhenSgDeniesInboundIcmp_OneRejectRecordOnly()
    {
        var r = Ping(PingVpc(new[] { "in tcp 22 0.0.0.0/0" }, new[] { "in 100 allow icmp -1/-1 0.0.0.0/0", "out 100 allow icmp -1/-1 0.0.0.0/0" }), replies: false);
        const long w = Scenario.T0Seconds;
        Lines.Equal(
            new[] { $"2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 {w} {w + 3} REJECT OK" },
            r.FlowLog(FlowLogFormat.DefaultFormatText));
    }

    /// <summary>
    /// AWS semantics 3.2: inbound tcp 22 from 203.0.113.1/32, tcp 80 from 0.0.0.0/0 and ::/0, icmp all from 0.0.0.0/0;
    /// outbound all to 0.0.0.0/0 and ::/0. Then the outbound IPv4 "all" rule is deleted.
    /// </summary>
    [Fact]
    public void UntrackedExampleTable_ThenOutboundIpv4AllDeleted_AllIpv4Tracked()
    {
        string[] inbound = { "in tcp 22 203.0.113.1/32", "in tcp 80 0.0.0.0/0", "in tcp 80 ::/0", "in icmp -1/-1 0.0.0.0/0" };
        var before = Std(inbound.Concat(new[] { "out all 0.0.0.0/0", "out all ::/0" }).ToArray());
        var after = Std(inbound.Concat(new[] { "out all ::/0" }).ToArray());
        var s = new Scenario(before).ChangeAt(100, after, "outbound IPv4 all deleted");
        const string V6 = "[2001:db8::5]";
        string e6 = $"[{E6}]";

        int ssh = s.Tcp(1, "203.0.113.1:50000", E + ":22", Syn);
        int sshOut = s.Tcp(1.01, E + ":22", "203.0.113.1:50000", SynAck);
        int http = s.Tcp(2, "198.51.100.7:50000", E + ":80", Syn);
        int httpOut = s.Tcp(2.01, E + ":80", "198.51.100.7:50000", SynAck);
        int http6 = s.Tcp(3, V6 + ":50000", e6 + ":80", Syn);
        int http6Out = s.Tcp(3.01, e6 + ":80", V6 + ":50000", SynAck);
        int ping = s.Icmp(4, "198.51.100.7", E, 8, 0, id: 1);
        int pingOut = s.Icmp(4.01, E, "198.51.100.7", 0, 0, id: 1);

        int http2 = s.Tcp(101, "198.51.100.7:50001", E + ":80", Syn);
        int http2Out = s.Tcp(101.01, E + ":80", "198.51.100.7:50001", SynAck);
        int http62 = s.Tcp(102, V6 + ":50001", e6 + ":80", Syn);
        int http62Out = s.Tcp(102.01, e6 + ":80", V6 + ":50001", SynAck);
        int ssh2 = s.Tcp(103, "203.0.113.1:50001", E + ":22", Syn);
        int ping2 = s.Icmp(104, "198.51.100.7", E, 8, 0, id: 2);
        var r = s.Run();

        // TCP 22: tracked (the inbound rule is a /32).
        r.Frame(ssh).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
        r.Frame(sshOut).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.SynRecv);

        // TCP 80, IPv4 and IPv6: untracked, each direction by its own rules.
        r.Frame(http).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 1).Untracked(TrackState.SynSent);
        r.Frame(httpOut).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Untracked(TrackState.SynRecv);
        r.Frame(http6).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 2).Untracked(TrackState.SynSent);
        r.Frame(http6Out).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 1).Untracked(TrackState.SynRecv);

        // ICMP: always tracked.
        r.Frame(ping).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 3).Tracked(TrackState.IcmpQuery);
        r.Frame(pingOut).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.IcmpQuery);

        // After the deletion every new IPv4 flow is tracked, TCP 80 included; IPv6 TCP 80 stays untracked.
        r.Frame(http2).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 1).Tracked(TrackState.SynSent);
        r.Frame(http2Out).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.SynRecv);
        r.Frame(http62).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 2).Untracked(TrackState.SynSent);
        r.Frame(http62Out).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Untracked(TrackState.SynRecv);
        r.Frame(ssh2).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.SynSent);
        r.Frame(ping2).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.IcmpQuery);
    }

    /// <summary>
    /// AWS semantics 5.4: a server on port 5001, two connections. Window 1: client→server 2 (SYN) and server→client 18
    /// (SYN-ACK) for each; window 2: both directions of the closing connection show 1 (FIN). ACK and PSH alone count 0;
    /// ECE/CWR next to SYN are ignored.
    /// </summary>
    [Fact]
    public void TcpFlagsSequence_TwoConnectionsToPort5001AcrossTwoWindows()
    {
        var s = new Scenario(Std("in tcp 5001 0.0.0.0/0"));
        const string C = "198.51.100.7";
        string srv = E + ":5001";
        s.Tcp(1, C + ":40001", srv, Syn);
        s.Tcp(1.01, srv, C + ":40001", SynAck);
        s.Tcp(1.02, C + ":40001", srv, Ack);
        s.Tcp(1.03, C + ":40001", srv, PshAck, payload: 500);
        s.Tcp(1.04, srv, C + ":40001", Ack);
        s.Tcp(2, C + ":40002", srv, Syn | Ece | Cwr);
        s.Tcp(2.01, srv, C + ":40002", SynAck | Ece);
        s.Tcp(2.02, C + ":40002", srv, Ack);
        s.Tcp(2.03, C + ":40002", srv, PshAck, payload: 500);

        s.Tcp(61, C + ":40001", srv, FinAck);
        s.Tcp(61.01, srv, C + ":40001", Ack);
        s.Tcp(61.02, srv, C + ":40001", FinAck);
        s.Tcp(61.03, C + ":40001", srv, Ack);
        var r = s.Run();

        Assert.All(r.Frames, f => Assert.Equal(VerdictAction.Accept, f.Verdicts.Single().Action));
        Lines.Equal(
            new[]
            {
                "eni-e 10.0.1.10 198.51.100.7 10.0.1.10 198.51.100.7 5001 40001 6 2 18 i-eni-e egress ACCEPT OK",
                "eni-e 10.0.1.10 198.51.100.7 10.0.1.10 198.51.100.7 5001 40002 6 1 18 i-eni-e egress ACCEPT OK",
                "eni-e 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40001 5001 6 3 2 i-eni-e ingress ACCEPT OK",
                "eni-e 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40002 5001 6 3 2 i-eni-e ingress ACCEPT OK",
                "eni-e 10.0.1.10 198.51.100.7 10.0.1.10 198.51.100.7 5001 40001 6 2 1 i-eni-e egress ACCEPT OK",
                "eni-e 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40001 5001 6 2 1 i-eni-e ingress ACCEPT OK",
            },
            r.FlowLog(Fmt, includeNoData: false));
    }
}
