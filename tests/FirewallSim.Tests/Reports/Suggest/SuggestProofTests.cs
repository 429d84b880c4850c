using FirewallSim.Config;
using FirewallSim.Config.Loading;
using FirewallSim.Decode;
using FirewallSim.Reports.Diff;
using FirewallSim.Reports.Suggest;
using FirewallSim.Tests.Support;
using FirewallSim.Verdicts;

namespace FirewallSim.Tests.Reports.Suggest;

/// <summary>
/// The proof: replay the captures against the suggested groups — their describe-security-groups JSON read
/// back by the configuration loader, with the original ENIs, subnets and NACLs, the ENIs naming the
/// suggested groups by id — and check with the diff machinery that every packet accepted before is still
/// accepted.
/// </summary>
public class SuggestProofTests
{
    private static string SampleCapture => Path.Combine(TestPaths.Samples, "pcaps", "three-tier.pcap");

    private static string SampleConfig => Path.Combine(TestPaths.Samples, "config", "three-tier");

    /// <summary>Counts, for every (packet, ENI, direction) both sides evaluated, an ACCEPT that became anything else.</summary>
    private struct AcceptedStaysAccepted : IVerdictPairObserver
    {
        public EniUnion Enis;
        public long AcceptedBefore;
        public long Lost;
        public List<string> Examples;

        public void OnPair(in PacketInfo p, in PacketResult a, in PacketResult b)
        {
            if (a.Disposition != PacketDisposition.Evaluated)
            {
                return;
            }

            for (int i = 0; i < a.Count; i++)
            {
                ref readonly var va = ref a.Verdicts[i];
                if (va.Action != VerdictAction.Accept)
                {
                    continue;
                }

                AcceptedBefore++;
                bool kept = false;
                for (int j = 0; b.Disposition == PacketDisposition.Evaluated && j < b.Count; j++)
                {
                    if (b.Verdicts[j].Direction == va.Direction && Enis.UnionOfB(b.Verdicts[j].Eni) == Enis.UnionOfA(va.Eni))
                    {
                        kept = b.Verdicts[j].Action == VerdictAction.Accept;
                    }
                }

                if (!kept)
                {
                    Lost++;
                    Examples.Add($"frame {p.FrameNumber} {p.Src}->{p.Dst} on {Enis.Id(Enis.UnionOfA(va.Eni))} {va.Direction}");
                }
            }
        }
    }

    private static (long AcceptedBefore, long Lost, List<string> Examples, DiffReport Report) Prove(ConfigTimeline before, ConfigTimeline after, string capture)
    {
        var session = new DiffSession(before, after) { PerPacket = true };
        var check = new AcceptedStaysAccepted { Enis = session.Comparer.Enis, Examples = new List<string>() };
        var outcome = session.Replay([capture], ref check);
        Assert.False(outcome.Partial);
        return (check.AcceptedBefore, check.Lost, check.Examples, session.Report(outcome));
    }

    [Fact]
    public void SampleStillWorksWithTheSuggestedGroupsLoadedFromTheirJson()
    {
        var original = ConfigLoader.Load(ConfigArguments.Parse([SampleConfig]).Sources);
        Assert.False(original.HasErrors);
        var suggestion = new Suggester(original.Timeline!).Run([SampleCapture]);
        string json = SecurityGroupJson.ToJson(suggestion.Groups.Select(g => g.Suggested));

        // The original ENIs, subnets, VPC and NACLs, with the suggested groups instead of the current ones.
        var sources = Directory.GetFiles(SampleConfig)
            .Where(f => Path.GetFileName(f) != "describe-security-groups.json")
            .Order(StringComparer.Ordinal)
            .Select(f => new ConfigSource(f))
            .Append(new ConfigSource(Path.Combine(Path.GetTempPath(), "suggested-security-groups.json")) { Text = json })
            .ToList();
        var loaded = ConfigLoader.Load(sources);
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Errors));
        var after = loaded.Timeline!.Initial;
        Assert.All(after.NetworkInterfaces.Values, eni => Assert.All(eni.GroupIds, g => Assert.Contains(g, after.SecurityGroups.Keys)));
        Assert.Equal("inbound tcp 22 from 203.0.113.10/32", RuleShape.Of(after.SecurityGroups["sg-0bastion000000001"].Inbound.Single()).ToString());
        Assert.DoesNotContain(after.SecurityGroups.Values.SelectMany(g => g.Inbound.Concat(g.Outbound)), r => r.Peer.IsOpenCidr);

        var (acceptedBefore, lost, examples, report) = Prove(original.Timeline!, loaded.Timeline!, SampleCapture);
        Assert.True(acceptedBefore > 80, acceptedBefore.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(lost == 0, string.Join("\n", examples));
        Assert.Empty(report.Broken);
        Assert.Equal(0, report.Summary.BrokenDistinctPackets);
        Assert.Empty(report.Opened); // accepted-only: nothing that was refused is let in
    }

    [Fact]
    public void VarietyCaptureStillWorksWithTheSuggestedGroupsLoadedFromTheirJson()
    {
        using var script = new TrafficScript();
        string capture = VarietyScenario.Capture(script);
        var config = VarietyScenario.Config();
        var suggestion = new Suggester(ConfigTimeline.Single(config)).Run([capture]);
        Assert.Equal(2, suggestion.Verification!.Rounds); // the resumed UDP flow needed a second round

        string json = SecurityGroupJson.ToJson(suggestion.Groups.Select(g => g.Suggested));
        var loaded = ConfigLoader.Load(new ConfigSource("suggested.json") { Text = json });
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Errors));
        var after = config with { SecurityGroups = loaded.Timeline!.Initial.SecurityGroups };
        Assert.Equal(suggestion.Groups.Count, after.SecurityGroups.Count);

        var (acceptedBefore, lost, examples, report) = Prove(ConfigTimeline.Single(config), ConfigTimeline.Single(after), capture);
        Assert.True(acceptedBefore > 250, acceptedBefore.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(lost == 0, string.Join("\n", examples));
        Assert.Empty(report.Broken);
        Assert.Empty(report.Opened);
    }

    [Fact]
    public void AFirstRoundSuggestionWouldHaveBrokenTheResumedFlow()
    {
        // The verification rounds matter: with a single round, the UDP flow that resumes after its timeout breaks.
        using var script = new TrafficScript();
        string capture = VarietyScenario.Capture(script);
        var suggestion = new Suggester(ConfigTimeline.Single(VarietyScenario.Config()), options: new SuggestOptions { MaxRounds = 1 }).Run([capture]);
        Assert.False(suggestion.Verification!.Holds);
        var broken = Assert.Single(suggestion.Verification.Report.Broken);
        Assert.Equal("eni-web1 egress udp 10.0.1.10:3478 -> 198.51.100.200:5000", broken.Flow.ToString());
        Assert.Contains(suggestion.Notes, n => n.Contains("still finds", StringComparison.Ordinal));
    }
}
