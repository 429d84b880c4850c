using FirewallSim.Net;
using FirewallSim.Tests.Support;
using FirewallSim.Verdicts;
using static FirewallSim.Decode.TcpFlags;
using static FirewallSim.Tests.Verdicts.EdgeCaseTests;
using static FirewallSim.Verdicts.VerdictReason;

namespace FirewallSim.Tests.Verdicts;

/// <summary>AWS semantics 1.3 (security-group protocol, port and type/code matching) and 4.2–4.3 (NACL entries), replayed.</summary>
public class RuleMatchingTests
{
    [Fact]
    public void SecurityGroupPortRangesAreInclusiveAndComparedWithTheDestinationPortOnly()
    {
        var s = new Scenario(Std("in tcp 1000-2000 198.51.100.0/24", "in udp 22 198.51.100.0/24"));
        int below = s.Tcp(1, "198.51.100.7:1500", E + ":999", Syn);
        int from = s.Tcp(2, "198.51.100.7:40000", E + ":1000", Syn);
        int to = s.Tcp(3, "198.51.100.7:40001", E + ":2000", Syn);
        int above = s.Tcp(4, "198.51.100.7:1500", E + ":2001", Syn);
        int udpFromPort22 = s.Udp(5, "198.51.100.7:22", E + ":9999");
        int tcpTo22 = s.Tcp(6, "198.51.100.7:40002", E + ":22", Syn);
        var r = s.Run();

        r.Frame(below).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(from).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0);
        r.Frame(to).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0);
        r.Frame(above).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(udpFromPort22).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);   // source port never examined
        r.Frame(tcpTo22).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);         // a udp rule never matches tcp
    }

    [Fact]
    public void SecurityGroupIcmpTypeAndCode()
    {
        var s = new Scenario(Std("in icmp 3/4 0.0.0.0/0", "in icmp 11/-1 0.0.0.0/0", "in icmpv6 2/0 ::/0"));
        int fragNeeded = s.Icmp(1, "192.0.2.1", E, 3, 4);
        int portUnreach = s.Icmp(2, "192.0.2.1", E, 3, 3);
        int ttl = s.Icmp(3, "192.0.2.1", E, 11, 0);
        int reassembly = s.Icmp(4, "192.0.2.1", E, 11, 1);
        int tooBig = s.Icmp(5, "2001:db8::1", E6, 2, 0);
        int unreach6 = s.Icmp(6, "2001:db8::1", E6, 1, 4);
        var r = s.Run();

        r.Frame(fragNeeded).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).NotTracked();
        r.Frame(portUnreach).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(ttl).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 1);
        r.Frame(reassembly).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 1);
        r.Frame(tooBig).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 2).NotTracked();
        r.Frame(unreach6).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
    }

    [Fact]
    public void NaclEntriesMatchDestinationPortsIcmpTypesAndTheirOwnFamilyOnly()
    {
        var config = TestVpc.Standard("in all 0.0.0.0/0", "in all ::/0")
            .Acl("acl-1", new[] { "subnet-1" },
                "in 100 allow icmp 3/4 0.0.0.0/0",
                "in 110 allow icmpv6 128/-1 ::/0",
                "in 120 allow 58 2/0 0.0.0.0/0",          // ICMPv6 with an IPv4 block: all types, but only IPv4 packets
                "in 130 allow udp 53 0.0.0.0/0",
                "in 140 allow 47 0.0.0.0/0",
                "in 150 allow tcp 1024-65535 0.0.0.0/0")
            .Build();
        var s = new Scenario(config);
        int fragNeeded = s.Icmp(1, "192.0.2.1", E, 3, 4);
        int portUnreach = s.Icmp(2, "192.0.2.1", E, 3, 3);
        int ping6 = s.Icmp(3, "2001:db8::7", E6, 128, 0, id: 1);
        int tooBig6 = s.Icmp(4, "2001:db8::7", E6, 2, 0);
        int dns = s.Udp(5, "198.51.100.7:53", E + ":53");
        int dnsFrom53 = s.Udp(6, "198.51.100.7:53", E + ":40000");
        int gre = s.Ip(7, "198.51.100.7", E, IpProtocol.Gre);
        int ephemeral = s.Tcp(8, "198.51.100.7:443", E + ":1024", SynAck);
        int low = s.Tcp(9, "198.51.100.7:443", E + ":1023", SynAck);
        var r = s.Run();

        r.Frame(fragNeeded).Count(1).Ingress("eni-e").Accept(AllowedByRule).Nacl(100);
        r.Frame(portUnreach).Count(1).Ingress("eni-e").Reject(RejectedByNacl).Nacl(32767);
        r.Frame(ping6).Count(1).Ingress("eni-e").Accept(AllowedByRule).Nacl(110);
        r.Frame(tooBig6).Count(1).Ingress("eni-e").Reject(RejectedByNacl).Nacl(32768);
        r.Frame(dns).Count(1).Ingress("eni-e").Accept(AllowedByRule).Nacl(130);
        r.Frame(dnsFrom53).Count(1).Ingress("eni-e").Reject(RejectedByNacl).Nacl(32767);
        r.Frame(gre).Count(1).Ingress("eni-e").Accept(AllowedByRule).Nacl(140);
        r.Frame(ephemeral).Count(1).Ingress("eni-e").Accept(AllowedByRule).Nacl(150);
        r.Frame(low).Count(1).Ingress("eni-e").Reject(RejectedByNacl).Nacl(32767);
    }
}
