using FirewallSim.Capture;
using FirewallSim.Decode;
using FirewallSim.IO;
using FirewallSim.Verdicts;

namespace FirewallSim.Replay;

/// <summary>
/// <c>--write-rejected</c>: every frame rejected on at least one ENI, as a nanosecond pcap for Wireshark.
/// A pcap has one link type; frames of another link type than the first rejected one are counted, not written.
/// </summary>
public sealed class RejectedPacketWriter : IDisposable
{
    private readonly string _path;
    private AtomicFile? _file;
    private PcapWriter? _writer;
    private ushort _linkType;

    public RejectedPacketWriter(string path) => _path = path;

    public long Written => _writer?.PacketsWritten ?? 0;

    public long SkippedOtherLinkType { get; private set; }

    public string Path => _path;

    public void Write(in PacketInfo p, in PacketResult r, ReadOnlySpan<byte> frame)
    {
        bool rejected = false;
        for (int i = 0; i < r.Count; i++)
        {
            if (r.Verdicts[i].Action == VerdictAction.Reject)
            {
                rejected = true;
                break;
            }
        }

        if (!rejected)
        {
            return;
        }

        if (_writer is null)
        {
            _linkType = p.LinkType;
            _file = AtomicFile.Create(_path);
            _writer = new PcapWriter(_file.Stream, p.LinkType, nanosecond: true, ownsStream: false);
        }
        else if (p.LinkType != _linkType)
        {
            SkippedOtherLinkType++;
            return;
        }

        _writer.Write(frame, p.TimestampNs, p.WireLength);
    }

    /// <summary>Publishes the file (an empty pcap with the Ethernet link type when nothing was rejected).</summary>
    public void Complete()
    {
        if (_writer is null)
        {
            _file = AtomicFile.Create(_path);
            _writer = new PcapWriter(_file.Stream, LinkTypes.Ethernet, nanosecond: true, ownsStream: false);
        }

        _writer.Flush();
        _file!.Commit();
    }

    public void Dispose() => _file?.Dispose();
}
