using System.Globalization;
using FirewallSim.Net;

namespace FirewallSim.FlowLogs.Reading;

/// <summary>
/// The column order of a flow-log text: from a header line (field names, as AWS's S3 files and our
/// flowlogs.log start) or from a <c>${field} …</c> format string. Parses one line into a
/// <see cref="FlowLogRecord"/> by field name, whatever the order; fields the reports do not use are
/// only counted as columns.
/// </summary>
public sealed class FlowLogLayout
{
    private const int MaxColumns = 64;
    private readonly int[] _column = new int[Enum.GetValues<FlowField>().Length];
    private readonly Dictionary<string, string> _interned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private FlowLogLayout(IReadOnlyList<FlowField> fields, string text)
    {
        Fields = fields;
        Text = text;
        Array.Fill(_column, -1);
        for (int i = 0; i < fields.Count; i++)
        {
            _column[(int)fields[i]] = i;
        }

        _lookup = _interned.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public IReadOnlyList<FlowField> Fields { get; }

    /// <summary>The layout as a format string, <c>${field} …</c>.</summary>
    public string Text { get; }

    public bool Has(FlowField f) => _column[(int)f] >= 0;

    public static FlowLogLayout FromFormat(FlowLogFormat format) => new(format.Fields, format.Text);

    /// <summary>
    /// A header line: every token is a known field name (hyphens as AWS writes them; underscores, as in
    /// Athena and Parquet column names, are accepted too), no name twice. Null when the line is not one.
    /// </summary>
    public static FlowLogLayout? TryHeader(string line)
    {
        var tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0 || tokens.Length > MaxColumns)
        {
            return null;
        }

        var fields = new List<FlowField>(tokens.Length);
        foreach (string token in tokens)
        {
            if (!FlowLogFormat.TryLookup(token.Replace('_', '-'), out var f) || fields.Contains(f))
            {
                return null;
            }

            fields.Add(f);
        }

        return new FlowLogLayout(fields, string.Join(' ', fields.Select(f => "${" + FlowLogFormat.Name(f) + "}")));
    }

    /// <summary>Parses one record line; false with a short reason when the line is not a record of this layout.</summary>
    public bool TryParse(ReadOnlySpan<char> line, ref FlowLogRecord r, out string? error)
    {
        Span<Range> cols = stackalloc Range[MaxColumns + 1];
        int n = line.SplitAny(cols, " \t", StringSplitOptions.RemoveEmptyEntries);
        if (n != Fields.Count)
        {
            error = n > Fields.Count && n == cols.Length
                ? "too many fields"
                : string.Create(CultureInfo.InvariantCulture, $"{n} fields where the format has {Fields.Count}");
            return false;
        }

        r = default;
        error = null;
        return Int(line, cols, FlowField.Version, out r.Version, ref error)
            && Str(line, cols, FlowField.AccountId, out r.AccountId)
            && Str(line, cols, FlowField.InterfaceId, out r.InterfaceId)
            && Addr(line, cols, FlowField.SrcAddr, out r.SrcAddr, ref error)
            && Addr(line, cols, FlowField.DstAddr, out r.DstAddr, ref error)
            && Port(line, cols, FlowField.SrcPort, out r.SrcPort, ref error)
            && Port(line, cols, FlowField.DstPort, out r.DstPort, ref error)
            && Int(line, cols, FlowField.Protocol, out r.Protocol, ref error) && InRange(r.Protocol, 255, "protocol", ref error)
            && Long(line, cols, FlowField.Packets, out r.Packets, ref error)
            && Long(line, cols, FlowField.Bytes, out r.Bytes, ref error)
            && Long(line, cols, FlowField.Start, out r.Start, ref error)
            && Long(line, cols, FlowField.End, out r.End, ref error)
            && Int(line, cols, FlowField.TcpFlags, out r.TcpFlags, ref error)
            && Addr(line, cols, FlowField.PktSrcAddr, out r.PktSrcAddr, ref error)
            && Addr(line, cols, FlowField.PktDstAddr, out r.PktDstAddr, ref error)
            && Action(line, cols, ref r, ref error)
            && Status(line, cols, ref r, ref error)
            && Direction(line, cols, ref r, ref error);
    }

    private bool Value(ReadOnlySpan<char> line, Span<Range> cols, FlowField f, out ReadOnlySpan<char> value)
    {
        int c = _column[(int)f];
        if (c < 0)
        {
            value = default;
            return false;
        }

        value = line[cols[c]];
        return !(value.Length == 1 && value[0] == '-');
    }

    private bool Str(ReadOnlySpan<char> line, Span<Range> cols, FlowField f, out string? value)
    {
        if (!Value(line, cols, f, out var v))
        {
            value = null;
            return true;
        }

        if (!_lookup.TryGetValue(v, out value))
        {
            value = v.ToString();
            if (_interned.Count < 1 << 16)
            {
                _interned[value] = value;
            }
        }

        return true;
    }

    private bool Int(ReadOnlySpan<char> line, Span<Range> cols, FlowField f, out int? value, ref string? error)
    {
        value = null;
        if (!Value(line, cols, f, out var v))
        {
            return true;
        }

        if (int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int x))
        {
            value = x;
            return true;
        }

        error = $"{FlowLogFormat.Name(f)} '{v}' is not a number";
        return false;
    }

    private bool Long(ReadOnlySpan<char> line, Span<Range> cols, FlowField f, out long? value, ref string? error)
    {
        value = null;
        if (!Value(line, cols, f, out var v))
        {
            return true;
        }

        if (long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out long x))
        {
            value = x;
            return true;
        }

        error = $"{FlowLogFormat.Name(f)} '{v}' is not a number";
        return false;
    }

    private bool Port(ReadOnlySpan<char> line, Span<Range> cols, FlowField f, out int? value, ref string? error) =>
        Int(line, cols, f, out value, ref error) && InRange(value, 65535, FlowLogFormat.Name(f), ref error);

    private static bool InRange(int? value, int max, string name, ref string? error)
    {
        if (value is { } v && v > max)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{name} {v} is out of range");
            return false;
        }

        return true;
    }

    private bool Addr(ReadOnlySpan<char> line, Span<Range> cols, FlowField f, out IpAddr value, ref string? error)
    {
        value = IpAddr.None;
        if (!Value(line, cols, f, out var v))
        {
            return true;
        }

        if (IpAddr.TryParse(v, out value))
        {
            return true;
        }

        error = $"{FlowLogFormat.Name(f)} '{v}' is not an IP address";
        return false;
    }

    private bool Action(ReadOnlySpan<char> line, Span<Range> cols, ref FlowLogRecord r, ref string? error)
    {
        if (!Value(line, cols, FlowField.Action, out var v))
        {
            return true;
        }

        if (v.SequenceEqual("ACCEPT"))
        {
            r.Action = RecordAction.Accept;
        }
        else if (v.SequenceEqual("REJECT"))
        {
            r.Action = RecordAction.Reject;
        }
        else
        {
            error = $"action '{v}' is not ACCEPT or REJECT";
            return false;
        }

        return true;
    }

    private bool Status(ReadOnlySpan<char> line, Span<Range> cols, ref FlowLogRecord r, ref string? error)
    {
        if (!Value(line, cols, FlowField.LogStatus, out var v))
        {
            return true;
        }

        r.Status = v switch
        {
            "OK" => RecordStatus.Ok,
            "NODATA" => RecordStatus.NoData,
            "SKIPDATA" => RecordStatus.SkipData,
            _ => RecordStatus.None,
        };
        if (r.Status == RecordStatus.None)
        {
            error = $"log-status '{v}' is not OK, NODATA or SKIPDATA";
            return false;
        }

        return true;
    }

    private bool Direction(ReadOnlySpan<char> line, Span<Range> cols, ref FlowLogRecord r, ref string? error)
    {
        if (!Value(line, cols, FlowField.FlowDirection, out var v))
        {
            return true;
        }

        r.Direction = v switch
        {
            "ingress" => RecordDirection.Ingress,
            "egress" => RecordDirection.Egress,
            _ => RecordDirection.Unknown,
        };
        if (r.Direction == RecordDirection.Unknown)
        {
            error = $"flow-direction '{v}' is not ingress or egress";
            return false;
        }

        return true;
    }
}
