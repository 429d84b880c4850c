using FirewallSim.Net;

namespace FirewallSim.FlowLogs.Reading;

/// <summary>The <c>action</c> field: ACCEPT, REJECT, or '-' / absent.</summary>
public enum RecordAction : byte
{
    None,
    Accept,
    Reject,
}

/// <summary>The <c>log-status</c> field: OK, NODATA, SKIPDATA, or absent from the format.</summary>
public enum RecordStatus : byte
{
    None,
    Ok,
    NoData,
    SkipData,
}

/// <summary>The <c>flow-direction</c> field (version 5), or <see cref="Unknown"/> when '-' or not in the format.</summary>
public enum RecordDirection : byte
{
    Unknown,
    Ingress,
    Egress,
}

/// <summary>
/// One flow-log record as read back from text: the fields the reports use, each absent ('-' or not in
/// the format) as null (addresses: <see cref="IpAddr.None"/>). Reused from line to line by the reader.
/// </summary>
public struct FlowLogRecord
{
    public int? Version;
    public string? AccountId;
    public string? InterfaceId;
    public IpAddr SrcAddr;
    public IpAddr DstAddr;
    public int? SrcPort;
    public int? DstPort;
    public int? Protocol;
    public long? Packets;
    public long? Bytes;
    public long? Start;
    public long? End;
    public RecordAction Action;
    public RecordStatus Status;
    public RecordDirection Direction;
    public IpAddr PktSrcAddr;
    public IpAddr PktDstAddr;
    public int? TcpFlags;

    /// <summary>A traffic record (not NODATA/SKIPDATA): log-status OK, or absent from the format with an action present.</summary>
    public readonly bool IsTraffic => Status == RecordStatus.Ok || (Status == RecordStatus.None && Action != RecordAction.None);

    /// <summary>The source as written in the packet: pkt-srcaddr when the format has it, else srcaddr.</summary>
    public readonly IpAddr PacketSrc => PktSrcAddr.IsNone ? SrcAddr : PktSrcAddr;

    /// <summary>The destination as written in the packet: pkt-dstaddr when the format has it, else dstaddr.</summary>
    public readonly IpAddr PacketDst => PktDstAddr.IsNone ? DstAddr : PktDstAddr;
}

/// <summary>Where a record came from: the file as given and the 1-based line number.</summary>
public readonly record struct RecordLocation(string File, long Line)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>Receives every record the reader parsed, in file order.</summary>
public interface IFlowLogRecordSink
{
    void Add(in FlowLogRecord record, in RecordLocation location);
}
