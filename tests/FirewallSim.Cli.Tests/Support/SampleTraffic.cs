namespace FirewallSim.Cli.Tests.Support;

/// <summary>
/// A dozen Ethernet frames covering what <c>fwsim inspect</c> tallies: TCP/UDP/ICMP over IPv4 and IPv6,
/// a non-IP frame, a first and a later fragment, an "other" protocol, a frame the snaplen cut inside
/// TCP and one with an impossible IPv4 header length. The expected outputs in the tests are worked
/// out by hand from this list.
/// </summary>
internal static class SampleTraffic
{
    /// <summary>2024-05-01T12:00:00.123456789Z.</summary>
    public const long T0 = 1_714_564_800_123_456_789L;

    public const long Ms = 1_000_000L;

    public static IReadOnlyList<TestPacket> Packets()
    {
        byte[] tcpSyn = Frames.EthIpv4("10.0.0.1", "10.0.0.2", 6, Frames.Tcp(40000, 443));
        return
        [
            new(tcpSyn, T0),                                                                                     // 54 bytes
            new(Frames.EthIpv4("10.0.0.1", "10.0.0.53", 17, Frames.Udp(5353, 53, 12)), T0 + (1 * Ms)),          // 54
            new(Frames.EthIpv4("10.0.0.1", "10.0.0.2", 1, Frames.Icmp(8, 0)), T0 + (2 * Ms)),                    // 42
            new(Frames.EthIpv6("2001:db8::1", "2001:db8::2", 17, Frames.Udp(546, 547)), T0 + (3 * Ms)),          // 62
            new(Frames.EthIpv6("2001:db8::1", "2001:db8::2", 6, Frames.Tcp(50000, 22)), T0 + (4 * Ms)),          // 74
            new(Frames.EthIpv6("2001:db8::1", "2001:db8::2", 58, Frames.Icmp(128, 0)), T0 + (5 * Ms)),           // 62
            new(Frames.Arp(), T0 + (6 * Ms)),                                                                    // 42
            new(Frames.Ethernet(0x0800, Frames.Ipv4("10.0.0.1", "10.0.0.2", 17, Frames.Udp(5353, 53, 8), id: 7, moreFragments: true)), T0 + (7 * Ms)), // 50
            new(Frames.Ethernet(0x0800, Frames.Ipv4("10.0.0.1", "10.0.0.2", 17, new byte[8], id: 7, fragmentOffset: 16)), T0 + (8 * Ms)),            // 42
            new(Frames.EthIpv4("10.0.0.1", "10.0.0.2", 47, [0, 0, 0x08, 0]), T0 + (9 * Ms)),                     // 38, GRE
            new(tcpSyn[..44], T0 + (10 * Ms), WireLength: 54),                                                   // 44 of 54: 10 bytes of TCP
            new(Frames.Ethernet(0x0800, Frames.Ipv4("10.0.0.1", "10.0.0.2", 17, Frames.Udp(1, 2), ihlWords: 4)), T0 + (11 * Ms)), // 42
        ];
    }

    /// <summary>Sum of the frames' original lengths above.</summary>
    public const long WireBytes = 616;

    /// <summary>Ten bytes fewer: the snaplen-cut TCP frame.</summary>
    public const long CapturedBytes = 606;
}
