using FirewallSim.Decode;
using FirewallSim.Net;

namespace FirewallSim.Tests.Decode;

/// <summary>Shorthands for decoder tests.</summary>
internal static class Decoding
{
    /// <summary>Decodes one frame; <paramref name="wireLength"/> defaults to the frame's length (nothing cut).</summary>
    public static PacketInfo DecodeFrame(byte[] frame, ushort linkType, int wireLength = -1)
    {
        var p = default(PacketInfo);
        var status = PacketDecoder.Decode(frame, linkType, wireLength < 0 ? frame.Length : wireLength, frameNumber: 1, timestampNs: 0, iface: 0, ref p);
        Assert.Equal(status, p.Status);
        return p;
    }

    public static IpAddr Ip(string text) => IpAddr.Parse(text);
}
