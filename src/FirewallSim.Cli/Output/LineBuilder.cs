using System.Globalization;
using FirewallSim.Net;

namespace FirewallSim.Cli.Output;

/// <summary>Builds one output line in a reused char buffer, so writing millions of lines allocates nothing per line.</summary>
internal sealed class LineBuilder
{
    private char[] _buf = new char[512];
    private int _len;

    public void Clear() => _len = 0;

    public LineBuilder Append(char c)
    {
        Reserve(1);
        _buf[_len++] = c;
        return this;
    }

    public LineBuilder Append(string? s)
    {
        if (s is not null)
        {
            Reserve(s.Length);
            s.CopyTo(0, _buf, _len, s.Length);
            _len += s.Length;
        }

        return this;
    }

    public LineBuilder Append(long v)
    {
        Reserve(20);
        v.TryFormat(_buf.AsSpan(_len), out int n, default, CultureInfo.InvariantCulture);
        _len += n;
        return this;
    }

    public LineBuilder Append(IpAddr a)
    {
        Reserve(48);
        a.TryFormat(_buf.AsSpan(_len), out int n);
        _len += n;
        return this;
    }

    /// <summary>Epoch seconds with nine decimals, as tshark's frame.time_epoch prints them.</summary>
    public LineBuilder AppendEpoch(long ns)
    {
        long sec = Math.DivRem(ns, 1_000_000_000L, out long frac);
        if (frac < 0)
        {
            sec--;
            frac += 1_000_000_000L;
        }

        Append(sec);
        Append('.');
        Reserve(9);
        frac.TryFormat(_buf.AsSpan(_len), out int n, "D9", CultureInfo.InvariantCulture);
        _len += n;
        return this;
    }

    /// <summary>Appends a JSON string literal (quotes and escapes).</summary>
    public LineBuilder AppendJsonString(string s)
    {
        Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': Append("\\\""); break;
                case '\\': Append("\\\\"); break;
                case '\n': Append("\\n"); break;
                case '\r': Append("\\r"); break;
                case '\t': Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        Append("\\u");
                        Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        Append(c);
                    }

                    break;
            }
        }

        return Append('"');
    }

    public void WriteLineTo(TextWriter writer)
    {
        Append('\n');
        writer.Write(_buf, 0, _len);
        _len = 0;
    }

    public override string ToString() => new(_buf, 0, _len);

    private void Reserve(int n)
    {
        if (_len + n > _buf.Length)
        {
            Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + n));
        }
    }
}
