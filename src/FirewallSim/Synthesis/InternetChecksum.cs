using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FirewallSim.Synthesis;

/// <summary>
/// The RFC 1071 ones'-complement checksum. Sums are kept in a 64-bit accumulator of
/// little-endian words; by RFC 1071's byte-order independence, folding and storing the
/// complement little-endian puts the bytes in network order.
/// </summary>
internal static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running sum. Every chunk but the last must have an even length.</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong raw in words)
        {
            ulong w = BitConverter.IsLittleEndian ? raw : BinaryPrimitives.ReverseEndianness(raw);
            sum += (uint)w;
            sum += w >> 32;
        }

        int i = words.Length * 8;
        if (data.Length - i >= 4)
        {
            sum += BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i));
            i += 4;
        }

        if (data.Length - i >= 2)
        {
            sum += BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(i));
            i += 2;
        }

        if (i < data.Length)
        {
            sum += data[i];
        }

        return sum;
    }

    /// <summary>Adds a 16-bit value given in host order (a length or protocol number in a pseudo-header).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AddWord(ulong sum, ushort networkValue) => sum + BinaryPrimitives.ReverseEndianness(networkValue);

    /// <summary>Folds the sum, complements it and stores it at <paramref name="destination"/> in network order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ulong sum, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)~Fold(sum));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }
}
