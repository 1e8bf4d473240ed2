// The analytics dashboard: fetches /v1/analytics/summary every few seconds
// and draws its figures as inline SVG. No library, no build step. Each bar
// is a rect with data-key and data-value, which tests read from the DOM.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const REFRESH_MS = 5000;

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

// Vertical bars in groups: groups = [{label, bars: [{key, value, cls}]}].
function barChart(svg, groups, unit) {
  clear(svg);
  const w = svg.clientWidth || 560, h = svg.clientHeight || 230;
  const top = 16, bottom = 34, left = 8;
  const n = groups.reduce((s, g) => s + g.bars.length, 0);
  if (n === 0) {
    svg.appendChild(el("text", { x: 10, y: 20, class: "empty" }, "no data"));
    return;
  }
  const max = Math.max(1, ...groups.flatMap(g => g.bars.map(b => b.value)));
  const slot = (w - left) / (n + groups.length);
  let x = left;
  for (const g of groups) {
    const gx = x;
    for (const b of g.bars) {
      const bh = (h - top - bottom) * b.value / max;
      const r = el("rect", {
        x: x + 2, y: h - bottom - bh, width: Math.max(2, slot - 4),
        height: bh, class: "bar " + (b.cls || ""),
        "data-key": b.key, "data-value": b.value,
      });
      r.appendChild(el("title", {}, b.key + ": " + b.value + (unit || "")));
      svg.appendChild(r);
      svg.appendChild(el("text", { x: x + slot / 2, y: h - bottom - bh - 3,
        "text-anchor": "middle" }, fmt(b.value, unit)));
      x += slot;
    }
    svg.appendChild(el("text", { x: (gx + x) / 2, y: h - bottom + 14,
      "text-anchor": "middle" }, g.label));
    x += slot;
  }
}

// Horizontal bars: rows = [{key, label, value}].
function rowChart(svg, rows) {
  clear(svg);
  const w = svg.clientWidth || 560, rowh = 18, labelw = 170;
  svg.setAttribute("height", Math.max(40, rows.length * rowh + 8));
  svg.style.height = Math.max(40, rows.length * rowh + 8) + "px";
  if (rows.length === 0) {
    svg.appendChild(el("text", { x: 10, y: 20, class: "empty" }, "no data"));
    return;
  }
  const max = Math.max(1, ...rows.map(r => r.value));
  rows.forEach((r, i) => {
    const y = 4 + i * rowh, bw = (w - labelw - 40) * r.value / max;
    svg.appendChild(el("text", { x: 4, y: y + 12 }, r.label));
    svg.appendChild(el("rect", { x: labelw, y: y + 2, width: Math.max(2, bw),
      height: rowh - 5, class: "bar" + (r.spike ? " breached" : ""),
      "data-key": r.key, "data-value": r.value }));
    svg.appendChild(el("text", { x: labelw + bw + 4, y: y + 12 },
      String(r.value)));
  });
}

function fmt(v, unit) {
  if (unit === "ms") {
    if (v >= 3600000) return (v / 3600000).toFixed(1) + "h";
    if (v >= 60000) return (v / 60000).toFixed(1) + "m";
    return (v / 1000).toFixed(1) + "s";
  }
  return String(v);
}

function pick(summary, scope) {
  if (scope === "totals") return summary.totals;
  return summary[scope.split(":")[1]];
}

function tiles(f, backlog) {
  const t = document.getElementById("tiles");
  clear(t);
  const v = f.volume, s = f.satisfaction;
  const items = [
    ["filed", v.filed], ["proactive", v.proactive],
    ["out of scope", (100 * v.out_of_scope_share).toFixed(1) + "%"],
    ["closed", v.closed], ["open backlog", backlog.open],
    ["satisfaction", s.count ? s.mean.toFixed(2) + " (" + s.count + ")" : "–"],
    ["compensation", f.compensation.count + " / ¥" +
      (f.compensation.total_fen / 100).toFixed(2)],
    ["escalations", f.escalations], ["penalties", f.penalties],
    ["audited", f.sampled_for_audit],
  ];
  for (const [label, value] of items) {
    const d = document.createElement("div");
    d.className = "tile";
    d.dataset.key = label;
    d.innerHTML = "<b></b><span></span>";
    d.firstChild.textContent = value;
    d.lastChild.textContent = label;
    t.appendChild(d);
  }
}

function render(summary) {
  const scope = document.getElementById("scope").value;
  const f = pick(summary, scope);
  const status = document.getElementById("status");
  if (!f) {
    status.textContent = "no window of that kind yet";
    return;
  }
  tiles(f, summary.backlog);
  barChart(document.getElementById("chart-category"),
    Object.entries(f.volume.by_category).map(([k, n]) =>
      ({ label: k.replace(/_/g, " "), bars: [{ key: k, value: n }] })));
  barChart(document.getElementById("chart-sla"),
    Object.entries(f.sla.by_clock).map(([clock, c]) => ({
      label: clock + " " + (100 * c.share_met).toFixed(0) + "%",
      bars: ["met", "breached", "warnings"].map(k =>
        ({ key: clock + ":" + k, value: c[k], cls: k })) })));
  const o = f.sla.ordinary_answered_24h;
  document.getElementById("target").textContent = o.answered ?
    "Ordinary complaints answered within 24 h: " +
    (100 * o.share).toFixed(1) + "% of " + o.answered + " (target " +
    (100 * o.target) + "%, " + (o.target_met ? "met" : "not met") + ")" :
    "No ordinary complaint answered yet.";
  barChart(document.getElementById("chart-handling"),
    Object.entries(f.handling_ms).filter(([, d]) => d.count > 0).map(
      ([stage, d]) => ({ label: stage.replace("_", " ") + " (" + d.count + ")",
        bars: ["p50", "p90", "p99"].map(q =>
          ({ key: stage + ":" + q, value: d[q], cls: q })) })), "ms");
  const spiked = new Set(f.hot_spots.spikes.map(s => s.dimension + ":" + s.key));
  const rows = [];
  for (const dim of ["merchant", "sku", "category", "carrier"])
    for (const e of f.hot_spots[dim].slice(0, 5))
      rows.push({ key: dim + ":" + e.key, label: dim + " " + e.key,
        value: e.count, spike: spiked.has(dim + ":" + e.key) });
  rowChart(document.getElementById("chart-hot"), rows);
  const ul = document.getElementById("spikes");
  clear(ul);
  for (const s of f.hot_spots.spikes) {
    const li = document.createElement("li");
    li.className = "spike";
    li.textContent = "Spike: " + s.dimension + " " + s.key + " " + s.count +
      " (baseline " + s.baseline.toFixed(1) + ")";
    ul.appendChild(li);
  }
  status.textContent = "window " + summary.window + ", event time " +
    new Date(summary.watermark_ms).toISOString().replace(".000Z", "Z") +
    ", updated " + new Date().toLocaleTimeString();
  document.body.dataset.loaded = "true";
}

async function load() {
  const scope = document.getElementById("scope").value;
  const w = scope === "totals" ? "1m" : scope.split(":")[0];
  try {
    const r = await fetch("/v1/analytics/summary?window=" + w,
      { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
  } catch (e) {
    document.getElementById("status").textContent = "cannot load: " + e.message;
  }
}

document.getElementById("scope").addEventListener("change", load);
load();
setInterval(load, REFRESH_MS);
