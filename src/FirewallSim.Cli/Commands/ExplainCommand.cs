using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FirewallSim.Capture;
using FirewallSim.Capture.Libpcap;
using FirewallSim.Cli.Hosting;
using FirewallSim.Cli.Output;
using FirewallSim.Config;
using FirewallSim.Config.Loading;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Replay;
using FirewallSim.Verdicts;

namespace FirewallSim.Cli.Commands;

/// <summary>
/// <c>fwsim explain</c>: a packet tracer. For a hypothetical packet, or for frame N of a capture
/// (replayed up to it so that the conntrack state is real), every phase of the packet path in order
/// with its result and the exact rule or NACL entry that decided.
/// </summary>
internal static class ExplainCommand
{
    private static readonly Argument<string[]> Captures = new("CAPTURE")
    {
        Description = "Captures to replay up to --frame (files, directories or -). Omit them to explain a hypothetical packet.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<long?> Frame = new("--frame")
    {
        Description = "The frame number to explain (numbered continuously across the captures, as replay numbers them).",
    };

    private static readonly Option<string?> Proto = new("--proto")
    {
        Description = "Hypothetical packet: protocol (tcp, udp, icmp, icmpv6, or a number).",
    };

    private static readonly Option<string?> Src = new("--src")
    {
        Description = "Hypothetical packet: source address and port, e.g. 198.51.100.7:40000 or [2001:db8::7]:40000.",
    };

    private static readonly Option<string?> Dst = new("--dst")
    {
        Description = "Hypothetical packet: destination address and port, e.g. 10.0.1.10:22.",
    };

    private static readonly Option<string> Flags = new("--tcp-flags")
    {
        Description = "Hypothetical TCP packet: flags, comma-separated (SYN, ACK, FIN, RST, PSH). Default: SYN.",
        DefaultValueFactory = _ => "SYN",
    };

    private static readonly Option<int?> IcmpType = new("--icmp-type") { Description = "Hypothetical ICMP packet: type (default 8, echo request; 128 for ICMPv6)." };

    private static readonly Option<int> IcmpCode = new("--icmp-code") { Description = "Hypothetical ICMP packet: code.", DefaultValueFactory = _ => 0 };

    private static readonly Option<int> IcmpId = new("--icmp-id") { Description = "Hypothetical ICMP query: identifier.", DefaultValueFactory = _ => 1 };

    private static readonly Option<string?> Time = new("--time")
    {
        Description = "Hypothetical packet: its time (epoch seconds or ISO 8601), which selects the configuration version. Default: the first version.",
    };

    private static readonly Option<string?> Eni = new("--eni")
    {
        Description = "Hypothetical packet: the ENI it enters or leaves, when neither address is the ENI's own (e.g. a NAT gateway or appliance); needs the ENI's MAC in the configuration.",
    };

    private static readonly Option<string?> DirectionOption = new("--direction")
    {
        Description = "With --eni: ingress (the packet enters the ENI, default) or egress.",
    };

    private static readonly Option<int> Length = new("--length") { Description = "Hypothetical packet: IP length in bytes.", DefaultValueFactory = _ => 60 };

    private static readonly Option<bool> Json = new("--json") { Description = "Machine-readable output." };

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(CommandRunner runner)
    {
        var config = new ConfigOptions(required: true);
        var engine = new EngineCommandOptions();
        var command = new Command("explain",
            "Trace one packet through the packet path: exempt check, NACLs, security groups with the conntrack lookup, " +
            "and the exact rule or NACL entry that decided. Either --frame N of captures (replayed up to it, so conntrack " +
            "state is real) or a hypothetical packet (--proto, --src, --dst …).")
        {
            Captures, Frame, Proto, Src, Dst, Flags, IcmpType, IcmpCode, IcmpId, Time, Eni, DirectionOption, Length, Json,
        };
        config.AddTo(command);
        engine.AddTo(command);
        DirectionOption.AcceptOnlyFromAmong("ingress", "egress");
        runner.Bind(command, (ctx, parse) => Task.FromResult(Run(ctx, parse, config, engine)));
        return command;
    }

    private static int Run(CliContext ctx, ParseResult parse, ConfigOptions configOptions, EngineCommandOptions engineOptions)
    {
        string[] captures = parse.GetValue(Captures) ?? Array.Empty<string>();
        long? frame = parse.GetValue(Frame);
        if (captures.Length > 0 && frame is null)
        {
            throw new UserInputException("with captures, give --frame N (the frame to explain)");
        }

        if (captures.Length == 0 && frame is not null)
        {
            throw new UserInputException("--frame needs the captures to replay");
        }

        if (captures.Length == 0 && (parse.GetValue(Src) is null || parse.GetValue(Dst) is null || parse.GetValue(Proto) is null))
        {
            throw new UserInputException("explain a hypothetical packet with --proto, --src and --dst (or give captures and --frame N)");
        }

        var timeline = configOptions.Load(ctx, parse);
        var options = engineOptions.Build(parse);
        var compiled = CompiledTimeline.Compile(timeline, options);
        var engine = new SimulationEngine(compiled, options);
        PacketInfo packet;
        PacketResult result = default;

        if (frame is { } n)
        {
            if (n <= 0)
            {
                throw new UserInputException("--frame counts from 1");
            }

            var inputs = CaptureInputs.Expand(captures, out var errors);
            if (errors.Count > 0)
            {
                throw new UserInputException(string.Join("; ", errors));
            }

            string? filter = parse.GetValue(engineOptions.Filter);
            EngineCommandOptions.ValidateFilter(filter);
            var sink = new LastPacketSink();
            var runner = new ReplayRunner(engine) { StopAfterFrame = n, TraceFrame = n, Filter = filter };
            ReplayOutcome outcome;
            try
            {
                outcome = runner.Run(inputs, ref sink, ctx.Cancellation);
            }
            catch (LibpcapException ex)
            {
                throw new UserInputException(ex.Message, ex);
            }

            if (sink.Frame != n)
            {
                long seen = outcome.Inputs.Sum(i => i.Packets);
                throw new UserInputException(filter is not null && seen >= n
                    ? string.Create(CultureInfo.InvariantCulture, $"frame {n} does not match --filter")
                    : string.Create(CultureInfo.InvariantCulture, $"the captures hold {seen} frames; there is no frame {n}"));
            }

            packet = sink.Packet;
            result = sink.Result;
        }
        else
        {
            packet = Hypothetical(parse, timeline, compiled);
            engine.Trace = new EngineTrace();
            engine.Process(packet, ref result);
        }

        var trace = engine.Trace ?? new EngineTrace();
        if (parse.GetValue(Json))
        {
            WriteJson(ctx.Out, packet, result, trace, compiled, engine);
        }
        else
        {
            WriteText(ctx.Out, packet, result, trace, compiled, engine, hypothetical: frame is null);
        }

        return ExitCodes.Ok;
    }

    private struct LastPacketSink : IReplaySink
    {
        public PacketInfo Packet;
        public PacketResult Result;
        public long Frame;

        public readonly bool ReadsFrames => false;

        public readonly void Prefetch(in PacketInfo packet, in PacketResult result)
        {
        }

        public void OnPacket(in PacketInfo packet, in PacketResult result, ReadOnlySpan<byte> frame)
        {
            Packet = packet;
            Result = result;
            Frame = packet.FrameNumber;
        }
    }

    private static PacketInfo Hypothetical(ParseResult parse, ConfigTimeline timeline, CompiledTimeline compiled)
    {
        if (!RuleProtocol.TryParse(parse.GetValue(Proto), out int proto) || proto < 0)
        {
            throw new UserInputException($"--proto '{parse.GetValue(Proto)}' is not a protocol name or number 0-255");
        }

        var (src, sport) = Endpoint(parse.GetValue(Src)!, "--src");
        var (dst, dport) = Endpoint(parse.GetValue(Dst)!, "--dst");
        if (src.IsV4 != dst.IsV4)
        {
            throw new UserInputException("--src and --dst must be of the same address family");
        }

        long time = timeline.Versions[0].EffectiveFromNs == long.MinValue ? 0 : timeline.Versions[0].EffectiveFromNs;
        if (parse.GetValue(Time) is { } t)
        {
            time = ConfigArguments.TryParseTime(t, out long ns) ? ns : throw new UserInputException($"--time '{t}' is neither epoch seconds nor ISO 8601");
        }

        var p = new PacketInfo
        {
            Status = DecodeStatus.Ok,
            Family = src.IsV4 ? IpFamily.V4 : IpFamily.V6,
            Src = src,
            Dst = dst,
            Protocol = (byte)proto,
            TimestampNs = time,
            IpLength = parse.GetValue(Length),
            LinkType = LinkTypes.Ethernet,
            FrameNumber = 0,
        };
        if (proto is IpProtocol.Tcp or IpProtocol.Udp)
        {
            p.SrcPort = sport ?? 0;
            p.DstPort = dport ?? throw new UserInputException("--dst needs a port for tcp and udp (e.g. 10.0.1.10:22)");
            if (proto == IpProtocol.Tcp)
            {
                p.TcpFlags = ParseFlags(parse.GetValue(Flags)!);
                p.TcpHeaderLength = 20;
            }
        }
        else if (proto is IpProtocol.Icmp or IpProtocol.Icmpv6)
        {
            p.IcmpType = (byte)(parse.GetValue(IcmpType) ?? (proto == IpProtocol.Icmp ? 8 : 128));
            p.IcmpCode = (byte)parse.GetValue(IcmpCode);
            p.IcmpId = (ushort)parse.GetValue(IcmpId);
            p.HasIcmpId = true;
        }

        if (parse.GetValue(Eni) is { } eniId)
        {
            if (!compiled.Enis.TryGetIndex(eniId, out int idx))
            {
                throw new UserInputException($"--eni {eniId} is not in the configuration");
            }

            var eni = compiled.Enis.Interface(idx);
            bool egress = parse.GetValue(DirectionOption) == "egress";
            var own = eni.Addresses.ToHashSet();
            if (!own.Contains(egress ? src : dst))
            {
                if (eni.Mac.IsNone)
                {
                    throw new UserInputException($"{(egress ? "--src" : "--dst")} is not an address of {eniId}, and the configuration gives no MAC address to attribute the packet by (D13)");
                }

                if (egress)
                {
                    p.SrcMac = eni.Mac;
                }
                else
                {
                    p.DstMac = eni.Mac;
                }
            }
        }

        return p;
    }

    private static (IpAddr Address, ushort? Port) Endpoint(string text, string option)
    {
        string host = text;
        string? port = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new UserInputException($"{option} '{text}': missing ']'");
            }

            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':')
                {
                    throw new UserInputException($"{option} '{text}': expected ':' after ']'");
                }

                port = text[(close + 2)..];
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            int colon = text.IndexOf(':', StringComparison.Ordinal);
            host = text[..colon];
            port = text[(colon + 1)..];
        }

        if (!IpAddr.TryParse(host, out var address))
        {
            throw new UserInputException($"{option} '{text}': '{host}' is not an IP address");
        }

        if (port is null)
        {
            return (address, null);
        }

        return ushort.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out ushort p)
            ? (address, p)
            : throw new UserInputException($"{option} '{text}': '{port}' is not a port number 0-65535");
    }

    private static byte ParseFlags(string text)
    {
        byte flags = 0;
        foreach (string f in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            flags |= f.ToUpperInvariant() switch
            {
                "SYN" => TcpFlags.Syn,
                "ACK" => TcpFlags.Ack,
                "FIN" => TcpFlags.Fin,
                "RST" => TcpFlags.Rst,
                "PSH" => TcpFlags.Psh,
                "URG" => TcpFlags.Urg,
                "NONE" => 0,
                _ => throw new UserInputException($"--tcp-flags: unknown flag '{f}' (SYN, ACK, FIN, RST, PSH, URG)"),
            };
        }

        return flags;
    }

    private static string Describe(in PacketInfo p)
    {
        string proto = IpProtocol.Name(p.Protocol);
        bool ports = p.Protocol is IpProtocol.Tcp or IpProtocol.Udp;
        string ep(IpAddr a, ushort port) => ports
            ? (a.IsV4 ? $"{a}:{port}" : $"[{a}]:{port}")
            : a.ToString();
        string extra = p.Protocol == IpProtocol.Tcp ? $" [{TcpFlagText(p.TcpFlags)}]"
            : IpProtocol.IsIcmpFamily(p.Protocol) ? string.Create(CultureInfo.InvariantCulture, $" type {p.IcmpType} code {p.IcmpCode}") : "";
        return string.Create(CultureInfo.InvariantCulture, $"{ep(p.Src, p.SrcPort)} -> {ep(p.Dst, p.DstPort)} {proto}{extra}, {p.IpLength} bytes");
    }

    private static string TcpFlagText(byte f)
    {
        var names = new List<string>();
        if ((f & TcpFlags.Syn) != 0)
        {
            names.Add("SYN");
        }

        if ((f & TcpFlags.Ack) != 0)
        {
            names.Add("ACK");
        }

        if ((f & TcpFlags.Fin) != 0)
        {
            names.Add("FIN");
        }

        if ((f & TcpFlags.Rst) != 0)
        {
            names.Add("RST");
        }

        if ((f & TcpFlags.Psh) != 0)
        {
            names.Add("PSH");
        }

        return names.Count == 0 ? "none" : string.Join(",", names);
    }

    private static void WriteText(TextWriter o, in PacketInfo p, in PacketResult r, EngineTrace trace, CompiledTimeline compiled, SimulationEngine engine, bool hypothetical)
    {
        o.WriteLine(hypothetical
            ? $"Hypothetical packet at {TimeText.Iso(p.TimestampNs)}: {Describe(p)}"
            : string.Create(CultureInfo.InvariantCulture, $"Frame {p.FrameNumber} at {TimeText.Iso(p.TimestampNs)}: {(p.IsIp ? Describe(p) : DecodeNames.Status(p))}"));
        o.WriteLine($"Configuration: {engine.CurrentVersion.Label}" + (hypothetical ? " (fresh state: no tracked connections)" : ""));
        o.WriteLine();
        int i = 1;
        foreach (var step in trace.Steps)
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i++,3}. {step.Phase,-15} {step.Eni,-22} {step.Direction,-8} {step.Outcome}"));
            if (step.Detail.Length > 0)
            {
                o.WriteLine($"     {step.Detail}");
            }
        }

        o.WriteLine();
        if (r.Disposition != PacketDisposition.Evaluated)
        {
            o.WriteLine("Result: " + r.Disposition switch
            {
                PacketDisposition.Exempt => $"exempt ({VerdictNames.Exempt(r.Exempt)}): no verdict, no flow-log record",
                PacketDisposition.Unattributed => "no configured ENI sends or receives this packet",
                PacketDisposition.SameEni => "ignored: source and destination are the same ENI",
                PacketDisposition.NotIp => "not an IP packet",
                _ => "not decodable: " + DecodeNames.Status(p),
            });
            return;
        }

        o.WriteLine("Result:");
        for (int k = 0; k < r.Count; k++)
        {
            var v = r.Verdicts[k];
            string by = v.Reason switch
            {
                VerdictReason.RejectedByNacl when v.NaclEntryId >= 0 => $" by {compiled.Rules.NaclEntry(v.NaclEntryId)}",
                VerdictReason.AllowedByRule or VerdictReason.AllowedByTrackedConnection when v.RuleId >= 0 => $" by {compiled.Rules.Rule(v.RuleId)}",
                _ => "",
            };
            o.WriteLine($"  {compiled.Enis.Id(v.Eni),-22} {VerdictNames.Direction(v.Direction),-8} {VerdictNames.Action(v.Action),-6} {VerdictNames.Reason(v.Reason)}{by}" +
                (v.Tracking == TrackingMode.NotApplicable ? "" : $" [{VerdictNames.Tracking(v.Tracking)}, {VerdictNames.State(v.State)}]"));
        }
    }

    private static void WriteJson(TextWriter o, in PacketInfo p, in PacketResult r, EngineTrace trace, CompiledTimeline compiled, SimulationEngine engine)
    {
        var verdicts = new List<object>();
        for (int k = 0; k < r.Count; k++)
        {
            var v = r.Verdicts[k];
            var rule = v.RuleId >= 0 ? compiled.Rules.Rule(v.RuleId) : null;
            var nacl = v.NaclEntryId >= 0 ? compiled.Rules.NaclEntry(v.NaclEntryId) : null;
            verdicts.Add(new Dictionary<string, object?>
            {
                ["eni"] = compiled.Enis.Id(v.Eni),
                ["direction"] = VerdictNames.Direction(v.Direction),
                ["verdict"] = VerdictNames.Action(v.Action),
                ["reason"] = VerdictNames.Reason(v.Reason),
                ["group"] = rule?.GroupId,
                ["rule_direction"] = rule is null ? null : rule.Egress ? "outbound" : "inbound",
                ["rule_index"] = rule?.Index,
                ["rule"] = rule?.ToString(),
                ["nacl"] = nacl?.AclId,
                ["nacl_rule"] = nacl?.RuleNumberText,
                ["tracking"] = VerdictNames.Tracking(v.Tracking),
                ["conntrack"] = VerdictNames.State(v.State),
            });
        }

        var doc = new Dictionary<string, object?>
        {
            ["frame"] = p.FrameNumber == 0 ? null : p.FrameNumber,
            ["time"] = TimeText.Iso(p.TimestampNs),
            ["packet"] = p.IsIp ? Describe(p) : DecodeNames.Status(p),
            ["configuration"] = engine.CurrentVersion.Label,
            ["disposition"] = r.Disposition.ToString().ToLowerInvariant(),
            ["exempt"] = r.Exempt == ExemptKind.None ? null : VerdictNames.Exempt(r.Exempt),
            ["steps"] = trace.Steps.Select(s => new Dictionary<string, string> { ["phase"] = s.Phase, ["eni"] = s.Eni, ["direction"] = s.Direction, ["outcome"] = s.Outcome, ["detail"] = s.Detail }).ToList(),
            ["verdicts"] = verdicts,
        };
        o.WriteLine(JsonSerializer.Serialize(doc, JsonOptions));
    }
}
