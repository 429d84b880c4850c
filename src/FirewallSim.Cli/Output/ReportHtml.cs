using System.Net;
using FirewallSim.Reports;

namespace FirewallSim.Cli.Output;

/// <summary>
/// The report as one self-contained HTML file: the JSON report is embedded verbatim in a
/// <c>&lt;script type="application/json"&gt;</c> element and the page's inline script draws every table and
/// SVG chart from it, so the page shows exactly the JSON report's numbers. No external resource of any
/// kind (no fonts, scripts, styles or images from the network). Every number the page shows carries
/// <c>data-path</c>, the JSON path of the value it displays (paths joined by + for a sum), so a test can check it against the JSON.
/// </summary>
internal static class ReportHtml
{
    public static string Render(FlowLogReport report)
    {
        // The serializer's default encoder escapes <, > and &, so the JSON cannot end the script element early.
        string json = report.ToJson();
        string title = "fwsim flow-log report" + (report.Time.FirstStart is { } t ? " — " + t : string.Empty);
        return Template
            .Replace("{{TITLE}}", WebUtility.HtmlEncode(title), StringComparison.Ordinal)
            .Replace("{{REPORT_JSON}}", json, StringComparison.Ordinal);
    }

    private const string Template = """
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{{TITLE}}</title>
<style>
:root { --accept: #2e7d32; --reject: #c62828; --muted: #667; --line: #dde; --bg: #fafbfc; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; margin: 0; background: var(--bg); }
header { background: #1d2b3a; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 2px 0; color: #c9d3de; }
nav { padding: 8px 28px; background: #eef1f5; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
nav a { margin-right: 14px; color: #234; text-decoration: none; font-weight: 600; }
main { padding: 8px 28px 40px; max-width: 1280px; }
section { margin-top: 22px; overflow-x: auto; }
h2 { font-size: 18px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 12px; background: #fff; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: #f0f2f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: var(--muted); }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 18px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; overflow-x: auto; }
.card h3 { margin-top: 0; }
svg text { font: 11px system-ui, sans-serif; fill: #334; }
svg .axis { stroke: #99a; stroke-width: 1; }
svg .accept { fill: var(--accept); }
svg .reject { fill: var(--reject); }
svg .hbar { fill: var(--reject); }
.legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; vertical-align: middle; }
.toggle { margin: 4px 0 10px; }
.toggle label { margin-right: 12px; }
.empty { color: var(--muted); font-style: italic; }
ul.items li { margin: 3px 0; }
code { background: #eef1f5; padding: 0 3px; border-radius: 3px; }
#rule-table td:last-child { white-space: normal; min-width: 260px; }
svg rect.cell { stroke: #fff; }
</style>
</head>
<body>
<header>
<h1>Flow-log report</h1>
<p id="overview"></p>
<p id="directions"></p>
</header>
<nav>
<a href="#enis">ENIs</a><a href="#timeline">Over time</a><a href="#rejected">Rejected</a><a href="#talkers">Top talkers</a><a href="#sensitive">SSH/RDP/admin</a><a href="#rules">Rule hits</a>
</nav>
<main>
<noscript><p>This report draws its tables and charts with JavaScript from the data embedded in the page; the same data is in <code>fwsim report --format json</code>.</p></noscript>
<section id="enis"><h2>Per ENI</h2><div id="eni-tables"></div></section>
<section id="timeline"><h2>Accepted and rejected over time</h2>
<div class="toggle">Show: <label><input type="radio" name="measure" value="packets" checked> packets</label><label><input type="radio" name="measure" value="bytes"> bytes</label>
<span class="legend"><span style="background:var(--accept)"></span>accepted<span style="background:var(--reject)"></span>rejected</span></div>
<div id="series-charts" class="grid2"></div></section>
<section id="rejected"><h2>Rejected traffic</h2><p id="rejected-total"></p>
<div class="grid2"><div class="card"><h3>Top rejected destination ports (packets)</h3><div id="chart-rejected-ports"></div></div>
<div class="card"><h3>Top rejected sources (packets)</h3><div id="chart-rejected-sources"></div></div></div>
<div id="rejected-tables"></div></section>
<section id="talkers"><h2>Top talkers</h2><p class="note">Accepted and rejected traffic; each packet 5-tuple counts once even when two logged ENIs recorded it. Ports are the service side of a flow (the lower of its two ports).</p><div id="talker-tables"></div></section>
<section id="sensitive"><h2>SSH, RDP, database and admin ports</h2><div id="sensitive-tables"></div></section>
<section id="rules"><h2>Rule hits</h2><div id="rules-body"></div></section>
</main>
<script type="application/json" id="report-data">{{REPORT_JSON}}</script>
<script>
"use strict";
(function () {
  const R = JSON.parse(document.getElementById("report-data").textContent);
  const SVGNS = "http://www.w3.org/2000/svg";
  const fmt = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function title(node, text) { node.append(svg("title", {}, text)); return node; }

  // A table: columns are [header, value(row, i) -> text | {text, path}, numeric?].
  function table(id, columns, rows) {
    const t = el("table", id ? { id } : {});
    const head = el("tr");
    for (const [h, , num] of columns) head.append(el("th", num ? { class: "num" } : {}, h));
    t.append(el("thead", {}, head));
    const body = el("tbody");
    rows.forEach((row, i) => {
      const tr = el("tr");
      for (const [, value, num] of columns) {
        const v = value(row, i);
        const attrs = num ? { class: "num" } : {};
        if (v !== null && typeof v === "object") { attrs["data-path"] = v.path; tr.append(el("td", attrs, fmt(v.value))); }
        else tr.append(el("td", attrs, v === null || v === undefined ? "-" : v));
      }
      body.append(tr);
    });
    t.append(body);
    return t;
  }
  const num = (path, value) => ({ path, value });
  const clock = (iso) => iso ? iso.slice(11, 19) : "-";

  // Overview
  const rec = R.records;
  $("overview").append(
    el("span", { "data-path": "records.total" }, fmt(rec.total)), " records from " + R.inputs.length + " file(s): ",
    el("span", { "data-path": "records.traffic" }, fmt(rec.traffic)), " traffic, ",
    el("span", { "data-path": "records.no_data" }, fmt(rec.no_data)), " NODATA, ",
    el("span", { "data-path": "records.skip_data" }, fmt(rec.skip_data)), " SKIPDATA" +
    (R.time.first_start ? "; " + R.time.first_start + " to " + R.time.last_end : "") +
    (R.skipped.lines ? "; " + fmt(R.skipped.lines) + " lines skipped" : ""));
  $("directions").textContent = "A flow is a distinct (ENI, direction, source, destination, ports, protocol). Direction: " +
    fmt(R.directions.from_field) + " flows from the flow-direction field, " + fmt(R.directions.from_replay_addresses) + " from the ENI addresses in replay.json, " +
    fmt(R.directions.inferred) + " inferred, " +
    fmt(R.directions.unresolved) + " unresolved.";

  // Per ENI
  const dirRows = [];
  R.enis.forEach((e, i) => {
    for (const d of ["ingress", "egress", "unresolved"]) if (e[d]) dirRows.push({ e, i, d });
  });
  const p = (r, k) => "enis." + r.i + "." + r.d + "." + k;
  $("eni-tables").append(
    table("eni-table", [
      ["ENI", (r) => r.e.id], ["direction", (r) => r.d],
      ["accepted pkts", (r) => num(p(r, "accept.packets"), r.e[r.d].accept.packets), true],
      ["accepted bytes", (r) => num(p(r, "accept.bytes"), r.e[r.d].accept.bytes), true],
      ["rejected pkts", (r) => num(p(r, "reject.packets"), r.e[r.d].reject.packets), true],
      ["rejected bytes", (r) => num(p(r, "reject.bytes"), r.e[r.d].reject.bytes), true],
      ["flows", (r) => num(p(r, "flows"), r.e[r.d].flows), true],
      ["peers", (r) => num(p(r, "peers"), r.e[r.d].peers), true],
    ], dirRows),
    table("eni-totals", [
      ["ENI", (e) => e.id],
      ["records", (e, i) => num("enis." + i + ".records", e.records), true],
      ["flows", (e, i) => num("enis." + i + ".flows", e.flows), true],
      ["peers", (e, i) => num("enis." + i + ".peers", e.peers), true],
      ["NODATA", (e, i) => num("enis." + i + ".no_data_records", e.no_data_records), true],
      ["SKIPDATA", (e, i) => num("enis." + i + ".skip_data_records", e.skip_data_records), true],
    ], R.enis));

  // Accepted/rejected per ENI per window: stacked bars, one chart per ENI.
  const ts = R.time_series;
  function drawSeries(measure) {
    const box = $("series-charts");
    box.replaceChildren();
    if (!ts.window_starts.length) { box.append(el("p", { class: "empty" }, "No traffic records with a start time.")); return; }
    const n = ts.window_starts.length, W = 560, H = 190, L = 58, B = 34, T = 10;
    const bw = (W - L - 10) / n;
    ts.enis.forEach((e, ei) => {
      const acc = measure === "bytes" ? e.accept_bytes : e.accept_packets;
      const rej = measure === "bytes" ? e.reject_bytes : e.reject_packets;
      const accKey = measure === "bytes" ? "accept_bytes" : "accept_packets";
      const rejKey = measure === "bytes" ? "reject_bytes" : "reject_packets";
      const max = Math.max(1, ...acc.map((a, i) => a + rej[i]));
      const scale = (H - B - T) / max;
      const s = svg("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", class: "series", "data-eni": e.id, role: "img" });
      s.append(svg("line", { class: "axis", x1: L, y1: H - B, x2: W - 10, y2: H - B }), svg("line", { class: "axis", x1: L, y1: T, x2: L, y2: H - B }));
      s.append(svg("text", { x: L - 4, y: T + 8, "text-anchor": "end" }, fmt(max)), svg("text", { x: L - 4, y: H - B, "text-anchor": "end" }, "0"));
      for (let i = 0; i < n; i++) {
        const x = L + i * bw + bw * 0.1, w = Math.max(1, bw * 0.8);
        const ha = acc[i] * scale, hr = rej[i] * scale;
        const when = new Date(ts.window_starts[i] * 1000).toISOString().slice(0, 19).replace("T", " ");
        title(s.appendChild(svg("rect", { class: "bar accept", x, y: H - B - ha, width: w, height: ha, "data-window": i,
          "data-value": acc[i], "data-path": "time_series.enis." + ei + "." + accKey + "." + i })), when + " accepted " + fmt(acc[i]) + " " + measure);
        title(s.appendChild(svg("rect", { class: "bar reject", x, y: H - B - ha - hr, width: w, height: hr, "data-window": i,
          "data-value": rej[i], "data-path": "time_series.enis." + ei + "." + rejKey + "." + i })), when + " rejected " + fmt(rej[i]) + " " + measure);
      }
      const ticks = Math.min(n, 6);
      for (let k = 0; k < ticks; k++) {
        const i = Math.round(k * (n - 1) / Math.max(1, ticks - 1));
        s.append(svg("text", { x: L + (i + 0.5) * bw, y: H - B + 14, "text-anchor": "middle" }, new Date(ts.window_starts[i] * 1000).toISOString().slice(11, 16)));
      }
      s.append(svg("text", { x: L, y: H - 4 }, "window start (UTC), " + ts.window_seconds + " s windows"));
      box.append(el("div", { class: "card" }, el("h3", {}, e.id), s));
    });
  }
  document.querySelectorAll("input[name=measure]").forEach((r) => r.addEventListener("change", () => drawSeries(r.value)));
  drawSeries("packets");

  // Horizontal bar chart of a ranking.
  function hbars(container, id, items, path) {
    if (!items.length) { container.append(el("p", { class: "empty" }, "No rejected traffic.")); return; }
    const row = 22, W = 520, L = 170, H = items.length * row + 8;
    const max = Math.max(1, ...items.map((x) => x.packets));
    const s = svg("svg", { id, viewBox: "0 0 " + W + " " + H, width: "100%", role: "img" });
    items.forEach((x, i) => {
      const w = (W - L - 70) * x.packets / max;
      s.append(svg("text", { x: L - 6, y: i * row + 15, "text-anchor": "end" }, x.key.length > 26 ? x.key.slice(0, 12) + "…" + x.key.slice(-12) : x.key));
      title(s.appendChild(svg("rect", { class: "hbar", x: L, y: i * row + 4, width: Math.max(1, w), height: row - 8,
        "data-key": x.key, "data-value": x.packets, "data-path": path + "." + i + ".packets" })), x.key + ": " + fmt(x.packets) + " packets");
      s.append(svg("text", { x: L + Math.max(1, w) + 6, y: i * row + 15, "data-path": path + "." + i + ".packets" }, fmt(x.packets)));
    });
    container.append(s);
  }
  const rj = R.rejected;
  $("rejected-total").append(el("span", { "data-path": "rejected.total.packets" }, fmt(rj.total.packets)), " packets, ",
    el("span", { "data-path": "rejected.total.bytes" }, fmt(rj.total.bytes)), " bytes in ",
    el("span", { "data-path": "rejected.total.records" }, fmt(rj.total.records)), " records.");
  hbars($("chart-rejected-ports"), "rejected-ports", rj.by_destination_port, "rejected.by_destination_port");
  hbars($("chart-rejected-sources"), "rejected-sources", rj.by_source, "rejected.by_source");
  if (rj.by_eni.length) {
    $("rejected-tables").append(el("h3", {}, "Rejected by ENI"), table("rejected-eni-table", [
      ["ENI", (e) => e.id],
      ["ingress pkts", (e, i) => num("rejected.by_eni." + i + ".ingress.packets", e.ingress.packets), true],
      ["ingress bytes", (e, i) => num("rejected.by_eni." + i + ".ingress.bytes", e.ingress.bytes), true],
      ["egress pkts", (e, i) => num("rejected.by_eni." + i + ".egress.packets", e.egress.packets), true],
      ["egress bytes", (e, i) => num("rejected.by_eni." + i + ".egress.bytes", e.egress.bytes), true],
    ], rj.by_eni));
  }

  // Top talkers
  const tt = $("talker-tables");
  for (const fam of ["ipv4", "ipv6"]) {
    const f = R.top_talkers[fam];
    const grid = el("div", { class: "grid2" });
    for (const what of ["sources", "destinations", "pairs", "ports"]) {
      const base = "top_talkers." + fam + "." + what + ".by_bytes";
      const card = el("div", { class: "card" }, el("h3", {}, (fam === "ipv4" ? "IPv4 " : "IPv6 ") + what + " by bytes"));
      if (!f[what].by_bytes.length) card.append(el("p", { class: "empty" }, "No traffic."));
      else card.append(table("talkers-" + fam + "-" + what, [
        ["#", (x, i) => String(i + 1), true], [what === "pairs" ? "source -> destination" : what.slice(0, -1), (x) => x.key],
        ["bytes", (x, i) => num(base + "." + i + ".bytes", x.bytes), true],
        ["packets", (x, i) => num(base + "." + i + ".packets", x.packets), true],
        ["flows", (x, i) => num(base + "." + i + ".flows", x.flows), true],
      ], f[what].by_bytes));
      grid.append(card);
    }
    tt.append(el("h3", {}, fam === "ipv4" ? "IPv4" : "IPv6"), grid);
  }

  // Sensitive ports
  const sp = $("sensitive-tables");
  if (!R.sensitive_ports.length) sp.append(el("p", { class: "empty" }, "No ingress traffic to remote-access, database or admin ports."));
  else {
    sp.append(table("sensitive-table", [
      ["service", (s) => s.service], ["category", (s) => s.category], ["port", (s) => s.protocol + "/" + s.ports],
      ["accepted pkts", (s, i) => num("sensitive_ports." + i + ".accepted.packets", s.accepted.packets), true],
      ["rejected pkts", (s, i) => num("sensitive_ports." + i + ".rejected.packets", s.rejected.packets), true],
      ["sources", (s, i) => num("sensitive_ports." + i + ".sources", s.sources), true],
    ], R.sensitive_ports));
    const rows = [];
    R.sensitive_ports.forEach((s, i) => s.top_sources.forEach((x, j) => rows.push({ s, x, i, j })));
    sp.append(table("sensitive-sources", [
      ["service", (r) => r.s.service], ["source", (r) => r.x.address], ["ENI", (r) => r.x.eni],
      ["accepted", (r) => num("sensitive_ports." + r.i + ".top_sources." + r.j + ".accepted_packets", r.x.accepted_packets), true],
      ["rejected", (r) => num("sensitive_ports." + r.i + ".top_sources." + r.j + ".rejected_packets", r.x.rejected_packets), true],
      ["first", (r) => clock(r.x.first_seen)], ["last", (r) => clock(r.x.last_seen)],
    ], rows));
  }

  // Rule hits: heat maps (groups x rules, ACLs x entries), tables, never-hit, over-broad, reasons.
  const rb = $("rules-body");
  const X = R.replay;
  if (!X) {
    rb.append(el("p", { class: "empty" }, "No replay.json: rule hit counters need the replay's own counters (--replay-summary, or replay.json beside flowlogs.log)."));
    return;
  }
  const ruleText = (r) => r.ports + (r.direction === "outbound" ? " to " : " from ") + (r.peer_kind === "securitygroup" && r.peer.includes("/") ? r.peer.slice(r.peer.indexOf("/") + 1) : r.peer);
  function heatmap(id, rows, cellLabel, value, path, tip) {
    // rows: [{label, cells: [{item, index}]}]; each cell shows its rule's label above the count.
    const cols = Math.max(1, ...rows.map((r) => r.cells.length));
    const cw = 50, ch = 36, L = 190, T = 4, W = L + cols * cw + 10, H = T + rows.length * ch + 6;
    const max = Math.max(1, ...rows.flatMap((r) => r.cells.map((c) => value(c.item))));
    const s = svg("svg", { id, viewBox: "0 0 " + W + " " + H, width: Math.min(W, 1200), role: "img" });
    rows.forEach((r, ri) => {
      s.append(svg("text", { x: L - 6, y: T + ri * ch + 21, "text-anchor": "end" }, r.label));
      r.cells.forEach((c, ci) => {
        const v = value(c.item);
        const t = v === 0 ? 0 : 0.15 + 0.85 * Math.log(1 + v) / Math.log(1 + max);
        const fill = v === 0 ? "#eceff3" : "rgba(198, 40, 40, " + t.toFixed(3) + ")";
        const x = L + ci * cw, y = T + ri * ch, style = t > 0.55 ? "fill:#fff" : "";
        title(s.appendChild(svg("rect", { class: "cell", x, y, width: cw - 3, height: ch - 3, fill,
          "data-value": v, "data-path": path(c.index) })), tip(c.item) + ": " + fmt(v));
        s.append(svg("text", { x: x + (cw - 3) / 2, y: y + 12, "text-anchor": "middle", style: style + ";font-size:9px" }, cellLabel(c.item)));
        s.append(svg("text", { x: x + (cw - 3) / 2, y: y + 27, "text-anchor": "middle", "data-path": path(c.index), style }, fmt(v)));
      });
    });
    return s;
  }
  const groups = [];
  X.security_group_rules.forEach((r, index) => {
    let g = groups.find((x) => x.key === r.group + " " + r.direction);
    if (!g) groups.push(g = { key: r.group + " " + r.direction, label: (r.group_name || r.group) + (r.direction === "inbound" ? " in" : " out"), cells: [] });
    g.cells.push({ item: r, index });
  });
  rb.append(el("p", { class: "note" }, "From " + X.file + ". Cell = packets a rule matched plus packets its tracked connections admitted; columns are rule positions."),
    el("div", { class: "card" }, el("h3", {}, "Security-group rules (group × rule)"),
      heatmap("heatmap-rules", groups, (r) => "#" + r.index, (r) => r.matched_packets + r.tracked_packets,
        (i) => "replay.security_group_rules." + i + ".matched_packets+replay.security_group_rules." + i + ".tracked_packets", (r) => r.group + " " + r.direction + "[" + r.index + "] " + ruleText(r))));
  const acls = [];
  X.nacl_entries.forEach((e, index) => {
    let a = acls.find((x) => x.key === e.acl + " " + e.direction);
    if (!a) acls.push(a = { key: e.acl + " " + e.direction, label: e.acl + (e.direction === "inbound" ? " in" : " out"), cells: [] });
    a.cells.push({ item: e, index });
  });
  rb.append(el("div", { class: "card" }, el("h3", {}, "Network ACL entries (ACL × entry)"),
    heatmap("heatmap-nacl", acls, (e) => e.rule_number, (e) => e.packets, (i) => "replay.nacl_entries." + i + ".packets",
      (e) => e.acl + " " + e.direction + " rule " + e.rule_number + " " + e.action + " " + e.protocol + " " + e.cidr)));

  rb.append(el("h3", {}, "Security-group rule hits"), table("rule-table", [
    ["group", (r) => r.group_name ? r.group + " (" + r.group_name + ")" : r.group], ["dir", (r) => r.direction === "inbound" ? "in" : "out"],
    ["#", (r) => String(r.index), true], ["rule", ruleText],
    ["matched", (r, i) => num("replay.security_group_rules." + i + ".matched_packets", r.matched_packets), true],
    ["tracked", (r, i) => num("replay.security_group_rules." + i + ".tracked_packets", r.tracked_packets), true],
    ["flows", (r, i) => num("replay.security_group_rules." + i + ".flows", r.flows), true],
    ["first", (r) => clock(r.first_hit)], ["last", (r) => clock(r.last_hit)], ["used", (r) => r.used || "-"],
  ], X.security_group_rules));
  rb.append(el("h3", {}, "Network ACL entry hits"), table("nacl-table", [
    ["ACL", (e) => e.acl], ["dir", (e) => e.direction === "inbound" ? "in" : "out"], ["rule", (e) => e.rule_number, true],
    ["action", (e) => e.action], ["protocol", (e) => e.protocol], ["CIDR", (e) => e.cidr], ["ports", (e) => e.ports || "-"],
    ["packets", (e, i) => num("replay.nacl_entries." + i + ".packets", e.packets), true],
    ["first", (e) => clock(e.first_hit)], ["last", (e) => clock(e.last_hit)],
  ], X.nacl_entries));

  const never = X.never_hit;
  const nl = el("ul", { class: "items", id: "never-hit" });
  never.security_group_rules.forEach((r) => nl.append(el("li", {}, r.group + " " + r.direction + "[" + r.index + "] " + ruleText(r) + (r.attached ? "" : " (group not attached to any ENI)"))));
  never.nacl_entries.forEach((e) => nl.append(el("li", {}, e.acl + " " + e.direction + " rule " + e.rule_number + " " + e.action + " " + e.protocol + " " + e.cidr + (e.ports ? " " + e.ports : ""))));
  rb.append(el("h3", {}, "Never-hit rules"), nl.childElementCount ? nl : el("p", { class: "empty" }, "Every rule and NACL entry was hit."));
  if (never.default_nacl_entries_not_listed) rb.append(el("p", { class: "note" }, "(" + never.default_nacl_entries_not_listed + " default '*' NACL entries not hit are not listed.)"));

  const ob = el("ul", { class: "items", id: "over-broad" });
  X.over_broad.forEach((o) => ob.append(el("li", {}, el("strong", {}, o.group + " " + o.direction + "[" + o.index + "] "), o.summary, el("span", { class: "note" }, " (" + o.broad.join("; ") + ")"))));
  rb.append(el("h3", {}, "Over-broad rules"), ob.childElementCount ? ob : el("p", { class: "empty" }, "None."));

  rb.append(el("h3", {}, "Verdict reasons"), table("reasons-table", [
    ["reason", (x) => x[0]], ["packets", (x) => num("replay.reasons." + x[0], x[1]), true],
  ], Object.entries(X.reasons)));
  const c = X.conntrack;
  rb.append(el("p", { id: "exempt" }, "Exempt (never filtered or logged): ", el("span", { "data-path": "replay.exempt_total" }, fmt(X.exempt_total)),
    Object.entries(X.exempt).filter((x) => x[1] > 0).map((x) => x[0] + " " + fmt(x[1])).join(", ").replace(/^(.+)$/, " ($1)")),
    el("p", { id: "conntrack" }, "Peak tracked connections: ", el("span", { "data-path": "replay.conntrack.peak_tracked_connections" }, fmt(c.peak_tracked_connections)),
      c.allowance ? " of an allowance of " + fmt(c.allowance) + " (" + c.peak_use_percent + " %), exceeded " + fmt(c.allowance_exceeded) + " times" : " (no allowance set)"));
})();
</script>
</body>
</html>
""";
}
