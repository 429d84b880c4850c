namespace FirewallSim.Verdicts;

/// <summary>Per-rule usage: how often a rule decided, and over which time span.</summary>
public struct RuleHits
{
    /// <summary>Packets whose verdict this rule gave directly (rule matched).</summary>
    public long MatchedPackets;

    /// <summary>Packets allowed by a tracked connection this rule opened.</summary>
    public long TrackedPackets;

    /// <summary>Flows (conntrack entries or untracked markers) whose first packet this rule admitted.</summary>
    public long Flows;

    public long FirstHitNs;
    public long LastHitNs;

    public readonly long Packets => MatchedPackets + TrackedPackets;

    internal void Hit(long now, bool tracked)
    {
        if (MatchedPackets + TrackedPackets == 0)
        {
            FirstHitNs = now;
        }

        if (tracked)
        {
            TrackedPackets++;
        }
        else
        {
            MatchedPackets++;
        }

        LastHitNs = now;
    }
}

/// <summary>Everything the engine counts while it runs; flat arrays, updated per verdict without allocation.</summary>
public sealed class EngineCounters
{
    private readonly long[] _eniPackets;   // [eni][dir][action]
    private readonly long[] _eniBytes;
    private RuleHits[] _ruleHits;
    private RuleHits[] _naclHits;

    internal EngineCounters(int enis, int rules, int naclEntries)
    {
        EniCount = enis;
        _eniPackets = new long[enis * 6];
        _eniBytes = new long[enis * 6];
        _ruleHits = new RuleHits[rules];
        _naclHits = new RuleHits[naclEntries];
    }

    public int EniCount { get; }

    public long Packets { get; internal set; }

    public long Evaluated { get; internal set; }

    public long Unattributed { get; internal set; }

    public long SameEni { get; internal set; }

    public long NotIp { get; internal set; }

    public long Undecodable { get; internal set; }

    public long[] Exempt { get; } = new long[Enum.GetValues<ExemptKind>().Length];

    public long[] Reasons { get; } = new long[Enum.GetValues<VerdictReason>().Length];

    /// <summary>D10: packets dropped because a new tracked connection would exceed the allowance (conntrack_allowance_exceeded).</summary>
    public long ConntrackAllowanceExceeded { get; internal set; }

    public long OrphanFragments { get; internal set; }

    public int PeakTrackedConnections { get; internal set; }

    public long ExemptTotal
    {
        get
        {
            long s = 0;
            foreach (long v in Exempt)
            {
                s += v;
            }

            return s;
        }
    }

    public long EniPackets(int eni, Direction dir, VerdictAction action) => _eniPackets[Slot(eni, dir, action)];

    public long EniBytes(int eni, Direction dir, VerdictAction action) => _eniBytes[Slot(eni, dir, action)];

    public ReadOnlySpan<RuleHits> RuleHits => _ruleHits;

    public ReadOnlySpan<RuleHits> NaclHits => _naclHits;

    internal void Count(in Verdict v, int bytes)
    {
        int s = Slot(v.Eni, v.Direction, v.Action);
        _eniPackets[s]++;
        _eniBytes[s] += bytes;
        Reasons[(int)v.Reason]++;
    }

    internal ref RuleHits Rule(int id) => ref _ruleHits[id];

    internal ref RuleHits Nacl(int id) => ref _naclHits[id];

    /// <summary>Rule tables grow when a later configuration version is compiled lazily; keep the arrays in step.</summary>
    internal void EnsureRuleCapacity(int rules, int naclEntries)
    {
        if (_ruleHits.Length < rules)
        {
            Array.Resize(ref _ruleHits, rules);
        }

        if (_naclHits.Length < naclEntries)
        {
            Array.Resize(ref _naclHits, naclEntries);
        }
    }

    private static int Slot(int eni, Direction dir, VerdictAction action) => (eni * 6) + ((int)dir * 3) + (int)action;
}
