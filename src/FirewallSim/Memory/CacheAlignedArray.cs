using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FirewallSim.Memory;

/// <summary>
/// A fixed-length array of unmanaged entries whose first entry starts on a cache line. A managed
/// array's data starts 16 bytes into its object, wherever the heap put it, so a 32- or 64-byte entry
/// of a big table often spans two cache lines, and a probe that misses the cache waits for both
/// (and a prefetch of the entry's address loads only the first). The memory is a pinned byte array
/// (never moved), so the aligned address stays valid for the array's life.
/// </summary>
internal readonly struct CacheAlignedArray<T>
    where T : unmanaged
{
    public const int LineSize = 64;
    private readonly byte[]? _owner;   // keeps the memory alive; _base points into it
    private readonly nint _base;

    public CacheAlignedArray(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _owner = GC.AllocateArray<byte>(checked((length * Unsafe.SizeOf<T>()) + LineSize), pinned: true);
        unsafe
        {
            nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_owner));
            _base = (start + (LineSize - 1)) & ~(nint)(LineSize - 1);
        }

        Length = length;
    }

    public int Length { get; }

    public unsafe ref T this[int i]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)i >= (uint)Length)
            {
                ThrowIndex();
            }

            return ref ((T*)_base)[i];
        }
    }

    public unsafe Span<T> AsSpan() => new((void*)_base, Length);

    /// <summary>The address of entry <paramref name="i"/>, for a prefetch (no bounds check: a prefetch never faults).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void* AddressOf(int i) => (T*)_base + i;

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowIndex() => throw new IndexOutOfRangeException();
}
