using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Reports;
using FirewallSim.Verdicts;

namespace FirewallSim.Tests.Reports;

public sealed class RuleUsageTests
{
    private static void Admit(RuleUsage usage, int rule, string client, ushort port, VerdictReason reason = VerdictReason.AllowedByRule)
    {
        var p = new PacketInfo { Src = IpAddr.Parse(client), Dst = IpAddr.Parse("10.0.1.10"), Protocol = IpProtocol.Tcp };
        var r = new PacketResult { Disposition = PacketDisposition.Evaluated, Count = 1, SrcPort = 40000, DstPort = port };
        r.Verdicts[0] = new Verdict { Eni = 0, Direction = Direction.Ingress, Action = VerdictAction.Accept, Reason = reason, RuleId = rule };
        usage.Add(p, r);
    }

    private static string Client(int n) => $"198.18.{n >> 8}.{n & 255}";

    [Fact]
    public void Peers_are_kept_up_to_the_limit_and_the_overflow_is_flagged_while_ports_are_still_counted()
    {
        var usage = new RuleUsage(ruleCount: 2);
        for (int n = 0; n < RuleUsage.MaxPeersKept; n++)
        {
            Admit(usage, rule: 1, Client(n), 443);
        }

        var e = usage.For(1)!;
        Assert.Equal(RuleUsage.MaxPeersKept, e.DistinctPeers.Count);
        Assert.False(e.PeersOverflowed);

        // A peer already kept, on a port not seen with it (so the recent-triple memory cannot answer): the
        // full set is looked up, and this is not an overflow.
        Admit(usage, rule: 1, Client(0), 444);
        Assert.False(e.PeersOverflowed);

        Admit(usage, rule: 1, Client(RuleUsage.MaxPeersKept), 443);
        Assert.True(e.PeersOverflowed);
        Assert.Equal(RuleUsage.MaxPeersKept, e.DistinctPeers.Count);
        Assert.DoesNotContain(IpAddr.Parse(Client(RuleUsage.MaxPeersKept)), e.DistinctPeers);

        // After the overflow new peers are not looked up any more, but new ports are still recorded.
        Admit(usage, rule: 1, Client(RuleUsage.MaxPeersKept + 1), 8443);
        Assert.Equal(new[] { 443, 444, 8443 }, e.KeysSorted());
        Assert.Equal(3, e.DistinctKeys);
        Assert.Null(usage.For(0));
    }

    [Fact]
    public void Only_verdicts_a_rule_decided_are_recorded()
    {
        var usage = new RuleUsage(ruleCount: 1);
        Admit(usage, rule: 0, "198.51.100.7", 22, VerdictReason.AllowedByTrackedConnection);
        Assert.Null(usage.For(0));
        Admit(usage, rule: 0, "198.51.100.7", 22);
        Assert.Equal(new[] { 22 }, usage.For(0)!.KeysSorted());
        Assert.Equal(new[] { IpAddr.Parse("198.51.100.7") }, usage.For(0)!.DistinctPeers);
    }
}
