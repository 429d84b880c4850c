using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using FirewallSim.Net;
using FirewallSim.Synthesis;

namespace FirewallSim.Tests.Synthesis;

public class SynthesisPrimitivesTests
{
    [Theory]
    [InlineData(1e-16)]
    [InlineData(1.1102230246251565e-16)]
    [InlineData(0.001)]
    [InlineData(0.5)]
    [InlineData(0.7071)]
    [InlineData(1.0)]
    [InlineData(1.4142)]
    [InlineData(1.5)]
    [InlineData(2.0)]
    [InlineData(1e300)]
    public void LnAgreesWithTheMathLibrary(double x)
    {
        double expected = Math.Log(x);
        Assert.True(Math.Abs(DeterministicMath.Ln(x) - expected) <= 1e-14 * Math.Max(1, Math.Abs(expected)), $"ln {x}");
    }

    /// <summary>Millions of open flows (a conntrack stress test) must fit: about 100 bytes each.</summary>
    [Fact]
    public void FlowStateIsCompact()
    {
        Assert.True(Unsafe.SizeOf<FlowSlot>() <= 96, $"FlowSlot is {Unsafe.SizeOf<FlowSlot>()} bytes");
    }

    [Fact]
    public void PrngIsSeededAndUniformEnough()
    {
        var a = new Xoshiro256(123);
        var b = new Xoshiro256(123);
        var c = new Xoshiro256(124);
        for (int i = 0; i < 100; i++)
        {
            ulong x = a.NextUInt64();
            Assert.Equal(x, b.NextUInt64());
            Assert.NotEqual(x, c.NextUInt64());
        }

        var counts = new int[10];
        double expSum = 0;
        for (int i = 0; i < 100_000; i++)
        {
            counts[a.Below(10)]++;
            int between = a.Between(5, 7);
            Assert.InRange(between, 5, 7);
            expSum += a.NextExponential();
        }

        Assert.All(counts, n => Assert.InRange(n, 9_500, 10_500));
        Assert.InRange(expSum / 100_000, 0.98, 1.02);
    }

    [Fact]
    public void ChecksumMatchesTheReferenceForAnyLengthAndSplit()
    {
        var rng = new Xoshiro256(5);
        var data = new byte[3000];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)rng.NextUInt32();
        }

        for (int length = 0; length < 200; length++)
        {
            for (int split = 0; split <= length; split += 2)
            {
                var span = data.AsSpan(length, length);
                ulong sum = InternetChecksum.Add(InternetChecksum.Add(0, span.Slice(0, split)), span.Slice(split));
                Assert.Equal(ReferenceChecksum.Fold(ReferenceChecksum.Sum(span)), Swap(InternetChecksum.Fold(sum)));
            }
        }

        // All ones: the largest sums fold without losing carries.
        var ones = Enumerable.Repeat((byte)0xFF, 2999).ToArray();
        Assert.Equal(ReferenceChecksum.Fold(ReferenceChecksum.Sum(ones)), Swap(InternetChecksum.Fold(InternetChecksum.Add(0, ones))));

        static ushort Swap(ushort v) => BinaryPrimitives.ReverseEndianness(v);
    }

    [Fact]
    public void ClientAddressesAreDistinctPublicAndStable()
    {
        var space = new ClientAddressSpace(1);
        var again = new ClientAddressSpace(1);
        var other = new ClientAddressSpace(2);
        var v4 = new HashSet<uint>();
        var v6 = new HashSet<IpAddr>();
        int differs = 0;
        for (ulong id = 0; id < 50_000; id++)
        {
            uint a = space.Ipv4(id);
            Assert.True(v4.Add(a), $"id {id}: repeated address");
            Assert.True(SyntheticNetworkPlan.IsInternetClient(IpAddr.FromV4(a)), $"id {id}: {IpAddr.FromV4(a)} is not a public client address");
            Assert.Equal(a, again.Ipv4(id));
            differs += other.Ipv4(id) != a ? 1 : 0;

            var b = space.Ipv6(id);
            Assert.True(v6.Add(b));
            Assert.True(SyntheticNetworkPlan.InternetClientsIpv6.Contains(b));
        }

        Assert.True(differs > 49_000);
        ulong excluded = SyntheticNetworkPlan.ExcludedClientIpv4.Aggregate(0UL, (n, p) => n + p.Size);
        Assert.Equal((1UL << 32) - excluded, space.Ipv4Count);
    }

    [Fact]
    public void PortsAreUniquePerEndpointPairUntilExhausted()
    {
        var ports = new PortAllocator(2, 2);
        var rng = new Xoshiro256(1);
        var seen = new HashSet<ushort>();
        const int range = SyntheticNetworkPlan.LinuxEphemeralLast - SyntheticNetworkPlan.LinuxEphemeralFirst + 1;
        for (int i = 0; i < range; i++)
        {
            ushort port = ports.Allocate(0, 1, false, ref rng, out bool reserved);
            Assert.True(reserved);
            Assert.InRange(port, SyntheticNetworkPlan.LinuxEphemeralFirst, SyntheticNetworkPlan.LinuxEphemeralLast);
            Assert.True(seen.Add(port));
        }

        ports.Allocate(0, 1, false, ref rng, out bool full);
        Assert.False(full);
        ports.Allocate(0, 1, true, ref rng, out bool otherFamily);
        Assert.True(otherFamily);

        ports.Release(0, 1, false, 40_000);
        Assert.Equal(40_000, ports.Allocate(0, 1, false, ref rng, out bool again));
        Assert.True(again);
    }

    [Fact]
    public void EventQueueYieldsTimesInOrder()
    {
        var rng = new Xoshiro256(3);
        var queue = new EventQueue(1000);
        for (int i = 0; i < 1000; i++)
        {
            queue.AddUnordered(rng.Below(500), i);
        }

        queue.Heapify();
        long last = -1;
        int lastSlot = -1;
        int popped = 0;
        while (queue.Count > 0)
        {
            long t = queue.MinTime;
            Assert.True(t > last || (t == last && queue.MinSlot > lastSlot));
            last = t;
            lastSlot = queue.MinSlot;
            if (popped++ % 3 == 0 && t < 2000)
            {
                queue.ReplaceMin(t + 1 + rng.Below(100));
                last = -1;
                lastSlot = -1;
                continue; // the replaced slot may come back at any later time
            }

            queue.RemoveMin();
        }
    }

    [Theory]
    [InlineData(6u)]
    [InlineData(5_000u)]
    [InlineData(16_389u)]
    [InlineData(16_395u)]
    [InlineData(70_000u)]
    public void TlsRecordsAreWholeWhateverTheSegmentation(uint planned)
    {
        uint length = MessageFraming.Normalize(MessageFormat.Tls, false, planned);
        byte[] whole = Framed(MessageFormat.Tls, false, length, (int)length);
        byte[] pieces = Framed(MessageFormat.Tls, false, length, 3);
        Assert.Equal(whole, pieces);

        int at = 0;
        while (at < whole.Length)
        {
            Assert.Equal(0x17, whole[at]);
            Assert.Equal(0x0303, BinaryPrimitives.ReadUInt16BigEndian(whole.AsSpan(at + 1)));
            int body = BinaryPrimitives.ReadUInt16BigEndian(whole.AsSpan(at + 3));
            Assert.InRange(body, 1, 16_384);
            at += 5 + body;
        }

        Assert.Equal(whole.Length, at);
    }

    [Fact]
    public void HttpAndPostgresHeadersDescribeTheirMessages()
    {
        byte[] response = Framed(MessageFormat.HttpGet, false, 5_000, 1460);
        string head = Encoding.ASCII.GetString(response, 0, 120);
        int bodyStart = head.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head, StringComparison.Ordinal);
        Assert.Contains($"Content-Length: {5_000 - bodyStart:D10}\r\n", head, StringComparison.Ordinal);

        Assert.True(MessageFraming.FixedRequestLength(MessageFormat.HttpGet, out int getLength));
        Assert.StartsWith("GET /", Encoding.ASCII.GetString(Framed(MessageFormat.HttpGet, true, (uint)getLength, 1460)), StringComparison.Ordinal);

        byte[] row = Framed(MessageFormat.Postgres, false, 300, 1460);
        Assert.Equal((byte)'D', row[0]);
        Assert.Equal(299u, BinaryPrimitives.ReadUInt32BigEndian(row.AsSpan(1)));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(row.AsSpan(5)));
        Assert.Equal(289u, BinaryPrimitives.ReadUInt32BigEndian(row.AsSpan(7)));
        byte[] query = Framed(MessageFormat.Postgres, true, 100, 1460);
        Assert.Equal((byte)'Q', query[0]);
        Assert.Equal(0, query[^1]);
    }

    /// <summary>A message framed segment by segment over bytes of 0xAA.</summary>
    private static byte[] Framed(MessageFormat format, bool request, uint length, int segment)
    {
        var message = Enumerable.Repeat((byte)0xAA, (int)length).ToArray();
        for (int at = 0; at < message.Length; at += segment)
        {
            int n = Math.Min(segment, message.Length - at);
            MessageFraming.Overlay(message.AsSpan(at, n), format, request, (uint)at, length);
        }

        return message;
    }
}
