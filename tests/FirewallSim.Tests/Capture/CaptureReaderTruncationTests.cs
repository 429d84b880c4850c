using FirewallSim.Capture;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Capture;

/// <summary>
/// Truncation discipline: every prefix of a valid capture, cut at every byte, reads without throwing,
/// returns exactly the packets that lie wholly before the cut, and ends cleanly only when the cut falls
/// on a record or block boundary; otherwise Error is Truncated at the start of the incomplete record.
/// </summary>
public class CaptureReaderTruncationTests
{
    internal static readonly Dictionary<string, CaptureBuilder> Captures = new()
    {
        ["pcap-us-le"] = TestCaptureBuilder.Pcap(nanosecond: false, bigEndian: false)
            .Record(Frame(17), 1_700_000_000, 1)
            .Record(Frame(60), 1_700_000_000, 2, wireLength: 1514)
            .Record(Frame(33), 1_700_000_001, 3),
        ["pcap-ns-be"] = TestCaptureBuilder.Pcap(nanosecond: true, bigEndian: true, linkType: LinkTypes.Raw)
            .Record(Frame(41), 1_700_000_000, 999_999_999)
            .Record(Frame(20), 1_700_000_002, 0)
            .Record(Frame(3), 1_700_000_003, 7),
        ["pcapng-le-2-sections"] = TestCaptureBuilder.PcapNg()
            .Section(bigEndian: false, options: PcapNgOption.Comment("s1"))
            .Interface(LinkTypes.Ethernet, snapLength: 65535, tsresol: 9, name: "eth0")
            .EnhancedPacket(0, 1_700_000_000_000_000_001UL, Frame(19))
            .SimplePacket(Frame(22))
            .CustomBlock()
            .Section(bigEndian: false)
            .Interface(LinkTypes.Raw, tsresol: 0x88)
            .EnhancedPacket(0, 435_200_000_000UL, Frame(28), options: PcapNgOption.Comment("p"))
            .InterfaceStatistics(0, 435_200_000_001UL),
        ["pcapng-be"] = TestCaptureBuilder.PcapNg()
            .Section(bigEndian: true)
            .Interface(LinkTypes.LinuxSll, tsoffset: 100)
            .EnhancedPacket(0, 5, Frame(30))
            .NameResolution()
            .ObsoletePacket(0, 6, Frame(13))
            .EnhancedPacket(0, 7, Frame(8), wireLength: 64),
    };

    private static readonly Dictionary<string, ReadOutcome> Complete =
        Captures.ToDictionary(kv => kv.Key, kv => CaptureReading.ReadAll(kv.Value.ToArray()));

    public static TheoryData<string, int> EveryPrefix
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var (name, capture) in Captures)
            {
                for (int cut = 0; cut <= capture.Length; cut++)
                {
                    data.Add(name, cut);
                }
            }

            return data;
        }
    }

    [Fact]
    public void TheCompleteCapturesReadCleanly()
    {
        foreach (var (name, outcome) in Complete)
        {
            Assert.True(outcome.Error is null, $"{name}: {outcome.Error}");
            Assert.Equal(Captures[name].PacketCount, outcome.Packets.Count);
            Assert.True(outcome.Packets.Count >= 3, name);
        }
    }

    [Theory]
    [MemberData(nameof(EveryPrefix))]
    public void EveryPrefixReadsTheWholePacketsBeforeTheCut(string capture, int cut)
    {
        var builder = Captures[capture];
        byte[] prefix = builder.ToArray().AsSpan(0, cut).ToArray();
        var expectedPackets = Complete[capture].Packets.Take(builder.PacketsBefore(cut)).ToList();
        long lastBoundary = builder.Boundaries.LastOrDefault(b => b <= cut);

        foreach (int chunk in new[] { 0, 3 })
        {
            var r = CaptureReading.ReadAll(prefix, maxChunk: chunk);

            Assert.Equal(expectedPackets, r.Packets, PacketComparer.Instance);
            if (cut == 0)
            {
                // An empty input is no capture at all.
                Assert.Equal(CaptureErrorKind.NotACapture, r.Error?.Kind);
            }
            else if (builder.Boundaries.Contains(cut))
            {
                Assert.True(r.Error is null, $"cut {cut} is on a boundary but the reader reported {r.Error}");
                Assert.Equal(cut, r.Position);
            }
            else
            {
                Assert.True(r.Error is not null, $"cut {cut} is inside a record but the reader reported a clean end");
                Assert.True(r.Error.Kind == CaptureErrorKind.Truncated, $"cut {cut}: expected Truncated, got {r.Error}");
                Assert.Equal(lastBoundary, r.Error.Offset);
                Assert.Equal(lastBoundary, r.Position);
            }
        }
    }

    private static byte[] Frame(int length) => FrameBuilder.Pattern(length, seed: length * 3);
}
