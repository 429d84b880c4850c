using System.Text;

namespace FirewallSim.Cli.Output;

/// <summary>
/// A report as headings, paragraphs and tables, rendered either as aligned terminal text (at most
/// <see cref="TextWidth"/> columns: wide cells are shortened in the middle) or as GitHub Markdown.
/// </summary>
internal sealed class ReportDocument
{
    public const int TextWidth = 100;

    private readonly List<object> _blocks = new();

    public void Heading(int level, string text) => _blocks.Add(new HeadingBlock(level, text));

    public void Paragraph(string text) => _blocks.Add(new ParagraphBlock(text));

    /// <summary>A list of short lines (bullets in Markdown, indented in text).</summary>
    public void Items(IEnumerable<string> items) => _blocks.Add(new ItemsBlock(items.ToList()));

    public ReportTable Table(params ReportColumn[] columns)
    {
        var t = new ReportTable(columns);
        _blocks.Add(t);
        return t;
    }

    public string ToText()
    {
        var sb = new StringBuilder();
        foreach (var b in _blocks)
        {
            switch (b)
            {
                case HeadingBlock h:
                    if (h.Level <= 2)
                    {
                        sb.Append(h.Text).Append('\n');
                        sb.Append(new string(h.Level == 1 ? '=' : '-', Math.Min(h.Text.Length, TextWidth))).Append('\n');
                    }
                    else
                    {
                        sb.Append(h.Text).Append(":\n");
                    }

                    break;
                case ParagraphBlock p:
                    foreach (string line in Wrap(p.Text, TextWidth))
                    {
                        sb.Append(line).Append('\n');
                    }

                    sb.Append('\n');
                    break;
                case ItemsBlock items:
                    foreach (string item in items.Items)
                    {
                        var lines = Wrap(item, TextWidth - 4);
                        for (int i = 0; i < lines.Count; i++)
                        {
                            sb.Append(i == 0 ? "  - " : "    ").Append(lines[i]).Append('\n');
                        }
                    }

                    sb.Append('\n');
                    break;
                case ReportTable t:
                    t.WriteText(sb);
                    sb.Append('\n');
                    break;
            }
        }

        return sb.ToString().TrimEnd('\n') + "\n";
    }

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        foreach (var b in _blocks)
        {
            switch (b)
            {
                case HeadingBlock h:
                    sb.Append('#', h.Level).Append(' ').Append(h.Text).Append("\n\n");
                    break;
                case ParagraphBlock p:
                    sb.Append(p.Text).Append("\n\n");
                    break;
                case ItemsBlock items:
                    foreach (string item in items.Items)
                    {
                        sb.Append("- ").Append(item).Append('\n');
                    }

                    sb.Append('\n');
                    break;
                case ReportTable t:
                    t.WriteMarkdown(sb);
                    sb.Append('\n');
                    break;
            }
        }

        return sb.ToString().TrimEnd('\n') + "\n";
    }

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (string word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }

            if (line.Length > 0)
            {
                line.Append(' ');
            }

            line.Append(word);
        }

        if (line.Length > 0)
        {
            lines.Add(line.ToString());
        }

        return lines;
    }

    private sealed record HeadingBlock(int Level, string Text);

    private sealed record ParagraphBlock(string Text);

    private sealed record ItemsBlock(List<string> Items);
}

/// <summary>A table column: header, right-aligned (numbers) or not, and the widest it may be in text.</summary>
internal sealed record ReportColumn(string Header, bool Right = false, int MaxWidth = 48);

internal sealed class ReportTable
{
    private readonly ReportColumn[] _columns;
    private readonly List<string[]> _rows = new();

    public ReportTable(ReportColumn[] columns) => _columns = columns;

    public int Rows => _rows.Count;

    public ReportTable Row(params string[] cells)
    {
        if (cells.Length != _columns.Length)
        {
            throw new ArgumentException($"{cells.Length} cells for {_columns.Length} columns", nameof(cells));
        }

        _rows.Add(cells);
        return this;
    }

    public void WriteText(StringBuilder sb)
    {
        int n = _columns.Length;
        var widths = new int[n];
        for (int c = 0; c < n; c++)
        {
            widths[c] = Math.Min(_columns[c].MaxWidth, Math.Max(_columns[c].Header.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[c].Length)));
        }

        Line(sb, _columns.Select(c => c.Header).ToArray(), widths);
        foreach (var row in _rows)
        {
            Line(sb, row, widths);
        }
    }

    private void Line(StringBuilder sb, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (int c = 0; c < cells.Length; c++)
        {
            string cell = Shorten(cells[c], widths[c]);
            if (c > 0)
            {
                line.Append("  ");
            }

            if (_columns[c].Right)
            {
                line.Append(' ', widths[c] - cell.Length).Append(cell);
            }
            else
            {
                line.Append(cell);
                if (c < cells.Length - 1)
                {
                    line.Append(' ', widths[c] - cell.Length);
                }
            }
        }

        sb.Append(line.ToString().TrimEnd()).Append('\n');
    }

    /// <summary>Cuts the middle out of a cell too wide for its column, so both ends (e.g. of an address pair) stay readable.</summary>
    private static string Shorten(string s, int width)
    {
        if (s.Length <= width)
        {
            return s;
        }

        int head = (width - 1) / 2;
        int tail = width - 1 - head;
        return string.Concat(s.AsSpan(0, head), "…", s.AsSpan(s.Length - tail));
    }

    public void WriteMarkdown(StringBuilder sb)
    {
        sb.Append('|');
        foreach (var c in _columns)
        {
            sb.Append(' ').Append(Escape(c.Header)).Append(" |");
        }

        sb.Append("\n|");
        foreach (var c in _columns)
        {
            sb.Append(c.Right ? " ---: |" : " --- |");
        }

        sb.Append('\n');
        foreach (var row in _rows)
        {
            sb.Append('|');
            foreach (string cell in row)
            {
                sb.Append(' ').Append(Escape(cell)).Append(" |");
            }

            sb.Append('\n');
        }
    }

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
}
