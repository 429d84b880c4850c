using System.Globalization;
using FirewallSim.Capture;
using FirewallSim.Config;
using FirewallSim.Replay;
using FirewallSim.Reports.Diff;
using FirewallSim.Verdicts;

namespace FirewallSim.Reports.Suggest;

/// <summary>
/// <c>fwsim suggest</c>: least-privilege security groups from observed traffic, checked by replay.
/// <list type="number">
/// <item>Replay the captures against the configuration and collect what the traffic needs from each group
/// (<see cref="NeedCollector"/>).</item>
/// <item>Narrow every rule of every attached group to that (<see cref="SuggestionBuilder"/>); groups keep
/// their ids, names and members.</item>
/// <item>Verify: replay the captures against the current configuration and the suggestion side by side
/// (<see cref="DiffSession"/>, every packet compared). A packet accepted before and rejected by the
/// suggested groups becomes a need, and the suggestion is built and verified again, up to
/// <see cref="SuggestOptions.MaxRounds"/> times. The last verification is part of the result.</item>
/// </list>
/// The suggestion is for the newest configuration version; a timeline's older versions only shape the replay.
/// </summary>
public sealed class Suggester
{
    private readonly ConfigTimeline _timeline;
    private readonly EngineOptions _engineOptions;
    private readonly SuggestOptions _options;

    public Suggester(ConfigTimeline timeline, EngineOptions? engineOptions = null, SuggestOptions? options = null)
    {
        _timeline = timeline;
        _engineOptions = engineOptions ?? EngineOptions.Default;
        _options = options ?? SuggestOptions.Default;
    }

    public string? Filter { get; init; }

    public Action<ReplayProgress>? Progress { get; init; }

    /// <summary>The --config arguments, for the report.</summary>
    public IReadOnlyList<string> ConfigArguments { get; init; } = Array.Empty<string>();

    /// <summary>Runs the replays; the inputs are read several times, so standard input cannot be one of them.</summary>
    public Suggestion Run(IReadOnlyList<string> inputs, CancellationToken cancellation = default)
    {
        if (inputs.Contains(CaptureInputs.StandardInput))
        {
            throw new ArgumentException("suggest reads the captures several times; standard input cannot be one of them", nameof(inputs));
        }

        var current = _timeline.Versions[^1].Config;
        var compiled = CompiledTimeline.Compile(_timeline, _engineOptions);
        var engine = new SimulationEngine(compiled, _engineOptions);
        var collector = new NeedCollector(compiled, current, _options);
        var sink = new CollectSink { Collector = collector };
        var outcome = new ReplayRunner(engine) { Filter = Filter, Progress = Progress }.Run(inputs, ref sink, cancellation);
        var builder = new SuggestionBuilder(current, compiled, collector, engine.Counters.RuleHits.ToArray(), _options, _engineOptions.Rules);

        List<SuggestedGroup> groups;
        List<SecurityGroup> unattached;
        SuggestVerification verification;
        int round = 0;
        while (true)
        {
            round++;
            (groups, unattached) = builder.Build();
            var candidate = Apply(current, groups);
            var session = new DiffSession(compiled, CompiledTimeline.Compile(ConfigTimeline.Single(candidate), _engineOptions), _engineOptions)
            {
                PerPacket = true,
                Filter = Filter,
            };
            var fix = new FixupCollector(collector, session.Comparer.Enis, _options.AllAttempted);
            var observer = new FixupObserver { Collector = fix };
            var checkOutcome = session.Replay(inputs, ref observer, cancellation);
            var report = session.Report(checkOutcome, new DiffReportOptions { ConfigA = ConfigArguments, ConfigB = new[] { "(suggested groups)" } });
            verification = new SuggestVerification(round, report, fix.Unfixable);
            if (fix.NewPending == 0 || round >= _options.MaxRounds)
            {
                break;
            }

            fix.Commit();
        }

        var stats = new SuggestStats
        {
            Packets = outcome.Packets,
            Captures = outcome.Inputs.Count,
            UntrackedFlows = collector.UntrackedFlows,
            UntrackedResponsePackets = collector.UntrackedResponsePackets,
            NaclRejectedAttempts = collector.NaclRejectedAttempts,
            AttemptsWithoutGroup = collector.AttemptsWithoutGroup,
            Partial = outcome.Partial,
        };
        var notes = Notes(groups, unattached, verification, stats);
        return new Suggestion(groups, unattached, notes, verification, _options, stats, outcome.Inputs.Select(i => i.Input).ToList(), ConfigArguments);
    }

    private static AwsConfig Apply(AwsConfig current, List<SuggestedGroup> groups)
    {
        var all = current.SecurityGroups.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var g in groups)
        {
            all[g.Suggested.Id] = g.Suggested;
        }

        return current with { SecurityGroups = all };
    }

    private List<string> Notes(List<SuggestedGroup> groups, List<SecurityGroup> unattached, SuggestVerification v, SuggestStats stats)
    {
        var notes = new List<string>();
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        var s = v.Report.Summary;
        if (stats.UntrackedResponsePackets > 0)
        {
            notes.Add($"{N(stats.UntrackedFlows)} flows were untracked (a rule open to 0.0.0.0/0 or ::/0 admitted them and the other direction was open on every port), " +
                      $"so their {N(stats.UntrackedResponsePackets)} response packets relied on the rules of the other direction. The suggestion allows only each flow's " +
                      "initiating direction: with narrower rules these flows are tracked and their responses pass by connection tracking.");
        }

        int toTracked = v.Report.TrackingChanges.Count(t => t.A.Contains("untracked", StringComparison.Ordinal) && t.B == "tracked");
        if (toTracked > 0 || s.PeakTrackedB > s.PeakTrackedA)
        {
            notes.Add($"Connection tracking: {N(toTracked)} flows (counted per ENI and direction) change from untracked to tracked; peak tracked connections " +
                      $"{N(s.PeakTrackedA)} now, {N(s.PeakTrackedB)} with the suggestion. Tracked connections count against each instance's conntrack " +
                      "allowance: watch conntrack_allowance_exceeded and conntrack_allowance_available (ENA statistics) on busy instances.");
        }

        if (!_options.KeepOpenPeers)
        {
            var open = groups.SelectMany(g => g.Assessments)
                .Where(a => a.Fate == RuleFate.Narrow && !a.Current.Egress && a.Current.Peer.IsOpenCidr && a.Replacement.All(r => !r.Peer.IsOpenCidr))
                .Select(a => a.Current.ToString())
                .ToList();
            if (open.Count > 0)
            {
                notes.Add($"Inbound rules open to everyone now admit only the peers seen: {string.Join("; ", open)}. " +
                          "For a public service keep them open with --keep-open-peers (only protocol and ports are then narrowed).");
            }
        }

        int removed = groups.Sum(g => g.Assessments.Count(a => a.Fate == RuleFate.Remove));
        if (removed > 0)
        {
            notes.Add($"{N(removed)} rules are not needed by the traffic in the capture. Traffic the capture does not hold (backups, failover, monitoring, " +
                      "rare batch jobs) may still need them: capture a representative period before removing rules.");
        }

        // Quota (spec 1.7): 60 inbound and 60 outbound rules per group, counted per address family.
        foreach (var g in groups)
        {
            foreach (var (egress, v4) in new[] { (false, true), (false, false), (true, true), (true, false) })
            {
                int n = g.Suggested.Rules(egress).Count(r => r.Peer.Kind != PeerKind.Cidr || r.Peer.Cidr.IsV4 == v4);
                if (n > 60)
                {
                    notes.Add($"{g.Current.Id} would have {N(n)} {(egress ? "outbound" : "inbound")} {(v4 ? "IPv4" : "IPv6")} rules, more than the default quota of 60: " +
                              "allow wider blocks with a shorter --min-prefix-v4 or --min-prefix-v6, keep public rules open with --keep-open-peers, or use a managed prefix list.");
                }
            }
        }

        if (stats.NaclRejectedAttempts > 0)
        {
            notes.Add($"{N(stats.NaclRejectedAttempts)} attempts were rejected by network ACLs; security groups cannot change that.");
        }

        if (stats.AttemptsWithoutGroup > 0)
        {
            notes.Add($"{N(stats.AttemptsWithoutGroup)} attempts were rejected on ENIs without a known security group; no group was there to extend.");
        }

        if (unattached.Count > 0)
        {
            notes.Add($"Not attached to any ENI in the configuration, so not evaluated and left out: {string.Join(", ", unattached.Select(g => g.Id))}.");
        }

        if (v.Unfixable > 0)
        {
            notes.Add($"{N(v.Unfixable)} packets accepted now are refused with the suggestion for reasons rules cannot change (conntrack allowance, NACL after a tracking change).");
        }

        if (!v.Holds)
        {
            notes.Add($"The verification still finds {N(s.BrokenFlows)} flows that would break after {v.Rounds} rounds; see the verification section.");
        }

        return notes;
    }
}
