using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FirewallSim.Capture;
using FirewallSim.Cli.Hosting;
using FirewallSim.Cli.Output;
using FirewallSim.Decode;
using FirewallSim.Net;

namespace FirewallSim.Cli.Commands;

/// <summary><c>fwsim inspect</c>: a capinfos-like summary per capture, or one line per packet.</summary>
internal static class InspectCommand
{
    private static readonly Argument<string[]> Files = new("FILE")
    {
        Description = "Capture files (pcap or pcapng, optionally gzip-compressed), directories (their files, sorted by name), or - for standard input.",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<bool> Json = new("--json")
    {
        Description = "Machine-readable output: one JSON document for summaries, JSON lines with --packets.",
    };

    private static readonly Option<bool> Packets = new("--packets")
    {
        Description = "One line per packet instead of a summary (CSV with a header, or JSON lines with --json): " +
                      "frame, time, interface, family, src, dst, protocol, sport, dport, icmp_type, icmp_code, frag_offset, status.",
    };

    public static Command Create(CommandRunner runner)
    {
        var command = new Command("inspect", "Summarise captures like capinfos (format, interfaces, packets, time span, protocol mix, fragments, decode problems), or list their packets.")
        {
            Files,
            Json,
            Packets,
        };
        runner.Bind(command, (ctx, parse) => Task.FromResult(Run(ctx, parse.GetRequiredValue(Files), parse.GetValue(Json), parse.GetValue(Packets))));
        return command;
    }

    private static int Run(CliContext ctx, string[] args, bool json, bool packets)
    {
        var inputs = CaptureInputs.Expand(args, out var problems);
        foreach (string problem in problems)
        {
            ctx.Error(problem);
        }

        if (problems.Count > 0)
        {
            return ExitCodes.BadInput;
        }

        int exit = ExitCodes.Ok;
        var summaries = new List<(CaptureStatistics Stats, CaptureReader Reader)>();
        var line = new LineBuilder();
        if (packets && !json)
        {
            ctx.Out.Write("frame,time,interface,family,src,dst,protocol,sport,dport,icmp_type,icmp_code,frag_offset,status\n");
        }

        foreach (string input in inputs)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            var reader = CaptureReader.Open(input);
            var stats = new CaptureStatistics(reader.SourceName);
            var p = default(PacketInfo);
            while (reader.TryRead(out var record))
            {
                PacketDecoder.Decode(record, ref p);
                stats.Add(p);
                if (packets)
                {
                    if (json)
                    {
                        WritePacketJson(line, p, inputs.Count > 1 ? reader.SourceName : null);
                    }
                    else
                    {
                        WritePacketCsv(line, p);
                    }

                    line.WriteLineTo(ctx.Out);
                }

                if ((p.FrameNumber & 0xFFFF) == 0)
                {
                    ctx.Cancellation.ThrowIfCancellationRequested();
                }
            }

            reader.Dispose();
            if (reader.Error is { } error)
            {
                ctx.Error(error.ToString() + (stats.Packets > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"; {stats.Packets} packets before it were read")
                    : string.Empty));
                exit = Math.Max(exit, error.Kind == CaptureErrorKind.NotACapture && stats.Packets == 0 ? ExitCodes.BadInput : ExitCodes.PartialRead);
            }

            summaries.Add((stats, reader));
        }

        if (!packets)
        {
            if (json)
            {
                WriteSummaryJson(ctx.Out, summaries);
            }
            else
            {
                foreach (var (stats, reader) in summaries)
                {
                    WriteSummaryText(ctx.Out, stats, reader);
                }
            }
        }

        // A file that is not a capture at all is bad input; one that broke off part-way is a partial read.
        return exit == ExitCodes.BadInput && summaries.Exists(s => s.Reader.Error is { Kind: not CaptureErrorKind.NotACapture })
            ? ExitCodes.PartialRead
            : exit;
    }

    private static void WritePacketCsv(LineBuilder b, in PacketInfo p)
    {
        b.Append(p.FrameNumber).Append(',').AppendEpoch(p.TimestampNs).Append(',').Append(p.Interface).Append(',');
        if (p.IsIp)
        {
            b.Append((long)p.Family).Append(',').Append(p.Src).Append(',').Append(p.Dst).Append(',').Append(p.Protocol);
        }
        else
        {
            b.Append(",,,");
        }

        b.Append(',');
        bool ports = p.IsIp && !p.IsLaterFragment && IpProtocol.HasPorts(p.Protocol) && p.Status == DecodeStatus.Ok;
        if (ports)
        {
            b.Append(p.SrcPort).Append(',').Append(p.DstPort);
        }
        else
        {
            b.Append(',');
        }

        b.Append(',');
        bool icmp = p.IsIp && !p.IsLaterFragment && IpProtocol.IsIcmpFamily(p.Protocol) && p.Status == DecodeStatus.Ok;
        if (icmp)
        {
            b.Append(p.IcmpType).Append(',').Append(p.IcmpCode);
        }
        else
        {
            b.Append(',');
        }

        b.Append(',');
        if (p.IsIp)
        {
            b.Append(p.FragmentOffset);
        }

        b.Append(',').Append(DecodeNames.Status(p));
    }

    private static void WritePacketJson(LineBuilder b, in PacketInfo p, string? file)
    {
        b.Append('{');
        if (file is not null)
        {
            b.Append("\"file\":").AppendJsonString(file).Append(',');
        }

        b.Append("\"frame\":").Append(p.FrameNumber)
            .Append(",\"time\":").AppendEpoch(p.TimestampNs)
            .Append(",\"interface\":").Append(p.Interface);
        if (p.IsIp)
        {
            b.Append(",\"family\":").Append((long)p.Family)
                .Append(",\"src\":\"").Append(p.Src).Append('"')
                .Append(",\"dst\":\"").Append(p.Dst).Append('"')
                .Append(",\"protocol\":").Append(p.Protocol);
            if (p.Status == DecodeStatus.Ok && !p.IsLaterFragment)
            {
                if (IpProtocol.HasPorts(p.Protocol))
                {
                    b.Append(",\"sport\":").Append(p.SrcPort).Append(",\"dport\":").Append(p.DstPort);
                }
                else if (IpProtocol.IsIcmpFamily(p.Protocol))
                {
                    b.Append(",\"icmp_type\":").Append(p.IcmpType).Append(",\"icmp_code\":").Append(p.IcmpCode);
                }
            }

            b.Append(",\"frag_offset\":").Append(p.FragmentOffset);
        }

        b.Append(",\"status\":").AppendJsonString(DecodeNames.Status(p)).Append('}');
    }

    private static void WriteSummaryText(TextWriter o, CaptureStatistics s, CaptureReader r)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"file:             {s.Source}");
        o.WriteLine($"format:           {FormatName(r)}");
        if (r.Format == CaptureFormat.PcapNg)
        {
            o.WriteLine(string.Create(inv, $"sections:         {r.Sections}"));
        }

        o.WriteLine(string.Create(inv, $"interfaces:       {r.Interfaces.Count}"));
        foreach (var i in r.Interfaces)
        {
            o.WriteLine(string.Create(inv,
                $"  #{i.Index}: {LinkTypes.Name(i.LinkType)} ({i.LinkType}), snaplen {i.SnapLength}, tsresol {i.TimestampResolution}{(i.TimestampOffsetSeconds != 0 ? $", tsoffset {i.TimestampOffsetSeconds}s" : "")}{(i.Name is null ? "" : ", " + i.Name)}"));
        }

        o.WriteLine(string.Create(inv, $"packets:          {s.Packets}"));
        o.WriteLine(string.Create(inv, $"bytes:            {s.WireBytes} on the wire, {s.CapturedBytes} captured"));
        if (s.Packets > 0)
        {
            o.WriteLine($"first packet:     {TimeText.Iso(s.FirstTimestampNs)}");
            o.WriteLine($"last packet:      {TimeText.Iso(s.LastTimestampNs)}");
            o.WriteLine(string.Create(inv, $"duration:         {(s.LastTimestampNs - s.FirstTimestampNs) / 1e9:0.000000} s"));
        }

        o.WriteLine("protocols:             tcp        udp       icmp      other");
        foreach (var fam in new[] { IpFamily.V4, IpFamily.V6 })
        {
            o.WriteLine(string.Create(inv,
                $"  {(fam == IpFamily.V4 ? "IPv4" : "IPv6")}      {s.Mix(fam, 0),10} {s.Mix(fam, 1),10} {s.Mix(fam, 2),10} {s.Mix(fam, 3),10}"));
        }

        o.WriteLine(string.Create(inv, $"non-IP frames:    {s.NonIp}"));
        o.WriteLine(string.Create(inv, $"fragments:        {s.Fragments} (first {s.FirstFragments}, later {s.LaterFragments})"));
        foreach (var kv in s.UnsupportedLinkTypes)
        {
            o.WriteLine(string.Create(inv, $"unsupported link: {LinkTypes.Name(kv.Key)} ({kv.Key}): {kv.Value} frames not decoded"));
        }

        var problems = s.Problems().ToList();
        o.WriteLine(problems.Count == 0 ? "decode problems:  none" : string.Create(inv, $"decode problems:  {s.DecodeProblems}"));
        foreach (var kv in problems)
        {
            o.WriteLine(string.Create(inv, $"  {kv.Key,-30} {kv.Value}"));
        }

        if (r.CaptureLongerThanWire > 0)
        {
            o.WriteLine(string.Create(inv, $"records with captured length > original length: {r.CaptureLongerThanWire}"));
        }

        if (s.OutOfOrderTimestamps > 0)
        {
            o.WriteLine(string.Create(inv, $"timestamps going backwards: {s.OutOfOrderTimestamps}"));
        }

        o.WriteLine(r.Error is null ? "read:             complete" : $"read:             stopped: {r.Error.Message} at byte offset {r.Error.Offset.ToString(inv)}");
        o.WriteLine();
    }

    private static string FormatName(CaptureReader r)
    {
        string order(bool big) => big ? "big-endian" : "little-endian";
        return r.Format switch
        {
            CaptureFormat.Pcap => $"pcap, {order(r.BigEndian)}, microsecond timestamps",
            CaptureFormat.PcapNanosecond => $"pcap, {order(r.BigEndian)}, nanosecond timestamps",
            CaptureFormat.PcapNg => "pcapng, " + (r.SectionBigEndian.Count == 0 ? "no section" : string.Join("/", r.SectionBigEndian.Distinct().Select(order))),
            _ => "unknown",
        };
    }

    private static void WriteSummaryJson(TextWriter o, List<(CaptureStatistics Stats, CaptureReader Reader)> summaries)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("files");
            foreach (var (s, r) in summaries)
            {
                w.WriteStartObject();
                w.WriteString("file", s.Source);
                w.WriteString("format", r.Format switch
                {
                    CaptureFormat.Pcap => "pcap",
                    CaptureFormat.PcapNanosecond => "pcap-ns",
                    CaptureFormat.PcapNg => "pcapng",
                    _ => "unknown",
                });
                w.WriteStartArray("sections_big_endian");
                foreach (bool big in r.SectionBigEndian)
                {
                    w.WriteBooleanValue(big);
                }

                w.WriteEndArray();
                w.WriteStartArray("interfaces");
                foreach (var i in r.Interfaces)
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", i.Index);
                    w.WriteNumber("section", i.Section);
                    w.WriteNumber("link_type", i.LinkType);
                    w.WriteString("link_type_name", LinkTypes.Name(i.LinkType));
                    w.WriteNumber("snaplen", i.SnapLength);
                    w.WriteString("tsresol", i.TimestampResolution);
                    w.WriteNumber("tsoffset", i.TimestampOffsetSeconds);
                    if (i.Name is not null)
                    {
                        w.WriteString("name", i.Name);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteNumber("packets", s.Packets);
                w.WriteNumber("bytes", s.WireBytes);
                w.WriteNumber("captured_bytes", s.CapturedBytes);
                if (s.Packets > 0)
                {
                    w.WriteNumber("first_time_ns", s.FirstTimestampNs);
                    w.WriteNumber("last_time_ns", s.LastTimestampNs);
                    w.WriteString("first_time", TimeText.Iso(s.FirstTimestampNs));
                    w.WriteString("last_time", TimeText.Iso(s.LastTimestampNs));
                }

                w.WriteStartObject("protocols");
                foreach (var fam in new[] { IpFamily.V4, IpFamily.V6 })
                {
                    w.WriteStartObject(fam == IpFamily.V4 ? "ipv4" : "ipv6");
                    w.WriteNumber("tcp", s.Mix(fam, 0));
                    w.WriteNumber("udp", s.Mix(fam, 1));
                    w.WriteNumber("icmp", s.Mix(fam, 2));
                    w.WriteNumber("other", s.Mix(fam, 3));
                    w.WriteEndObject();
                }

                w.WriteEndObject();
                w.WriteNumber("non_ip", s.NonIp);
                w.WriteStartObject("fragments");
                w.WriteNumber("total", s.Fragments);
                w.WriteNumber("first", s.FirstFragments);
                w.WriteNumber("later", s.LaterFragments);
                w.WriteEndObject();
                w.WriteStartObject("unsupported_link_types");
                foreach (var kv in s.UnsupportedLinkTypes)
                {
                    w.WriteNumber(kv.Key.ToString(CultureInfo.InvariantCulture), kv.Value);
                }

                w.WriteEndObject();
                w.WriteStartObject("decode_problems");
                foreach (var kv in s.Problems())
                {
                    w.WriteNumber(kv.Key, kv.Value);
                }

                w.WriteEndObject();
                w.WriteNumber("captured_longer_than_wire", r.CaptureLongerThanWire);
                if (r.Error is { } e)
                {
                    w.WriteStartObject("error");
                    w.WriteString("kind", e.Kind switch
                    {
                        CaptureErrorKind.NotACapture => "not-a-capture",
                        CaptureErrorKind.Truncated => "truncated",
                        _ => "corrupt",
                    });
                    w.WriteNumber("offset", e.Offset);
                    w.WriteString("message", e.Message);
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteNull("error");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        o.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        o.Write('\n');
    }
}
