using System.Runtime.CompilerServices;
using FirewallSim.Memory;
using FirewallSim.Tracking;

namespace FirewallSim.Tests.Memory;

public class CacheAlignedArrayTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(1 << 16)]
    public unsafe void EveryIpv4ConnectionEntryLiesOnOneCacheLine(int length)
    {
        // Allocate a few, so that at least one managed array would not have started on a line.
        for (int k = 0; k < 8; k++)
        {
            var a = new CacheAlignedArray<ConnEntryV4>(length);
            Assert.Equal(0, (nint)a.AddressOf(0) % 64);
            for (int i = 0; i < length; i += 1 + (length / 7))
            {
                nint start = (nint)Unsafe.AsPointer(ref a[i]);
                nint last = start + Unsafe.SizeOf<ConnEntryV4>() - 1;
                Assert.Equal(start / 64, last / 64);
            }
        }
    }

    [Fact]
    public void StartsZeroedAndKeepsWhatIsWritten()
    {
        var a = new CacheAlignedArray<long>(5000);
        Assert.All(a.AsSpan().ToArray(), v => Assert.Equal(0, v));
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = i * 3L;
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(i * 3L, a[i]);
        }

        Assert.Equal(5000, a.AsSpan().Length);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(16)]
    [InlineData(int.MaxValue)]
    public void AnIndexOutsideTheArrayThrows(int i)
    {
        var a = new CacheAlignedArray<int>(16);
        Assert.Throws<IndexOutOfRangeException>(() => a[i]);
    }
}
