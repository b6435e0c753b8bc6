/* A runner's progress: visits, each metric's per-session median with its normal range, the
   cue worked on, before/after of two sessions; edit, export, delete. */
"use strict";

(() => {
  const { el, api, date, duration, num, param, showError } = TWR;
  const id = param("id");
  const selected = [];
  const SVG = "http://www.w3.org/2000/svg";
  const VERDICT = { in: "in range", near: "near range", out: "outside range" };
  const VISIT_COLUMNS = ["cadence_spm", "overstride", "shank_angle_deg", "trunk_lean_deg"];

  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  }

  /* A number as shown (never "-0"). */
  function fmt(v, d) {
    const t = num(v, d);
    return /^-[0.]+$/.test(t) ? t.slice(1) : t;
  }

  function rangeText(m) {
    if (!m.range) return "–";
    const [lo, hi] = m.range.green;
    const d = m.digits;
    if (lo !== null && hi !== null) return `${fmt(lo, d)}–${fmt(hi, d)}`;
    if (lo !== null) return `≥ ${fmt(lo, d)}`;
    if (hi !== null) return `≤ ${fmt(hi, d)}`;
    return "any";
  }

  function cell(v, m) {
    if (v && v.median === null && v.low_confidence) {
      return el("td", { title: "measured, but never surely enough in this view: not judged", "data-metric": m.name }, "low conf.");
    }
    if (!v || v.median === null) return el("td", {}, "–");
    return el("td", { class: v.verdict ? "v-" + v.verdict : "", title: v.verdict ? VERDICT[v.verdict] : "no range known", "data-metric": m.name },
      fmt(v.median, m.digits));
  }

  function plot(m, sessions) {
    const W = 340, H = 120, P = 8;
    const pts = sessions.map((s, i) => [i, s.metrics[m.name] ? s.metrics[m.name].median : null])
      .filter(([, v]) => v !== null);
    const box = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "spark", "data-metric": m.name, "data-points": pts.length });
    const vals = pts.map(([, v]) => v);
    if (m.range) for (const b of m.range.green) if (b !== null) vals.push(b);
    if (!vals.length) return box;
    let lo = Math.min(...vals), hi = Math.max(...vals);
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    const pad = (hi - lo) * 0.1; lo -= pad; hi += pad;
    const n = Math.max(sessions.length - 1, 1);
    const x = (i) => P + (W - 2 * P) * (sessions.length === 1 ? 0.5 : i / n);
    const y = (v) => H - P - (H - 2 * P) * (v - lo) / (hi - lo);
    if (m.range) {
      const [g0, g1] = m.range.green;
      const top = y(g1 === null ? hi : Math.min(g1, hi)), bottom = y(g0 === null ? lo : Math.max(g0, lo));
      box.append(svg("rect", { x: 0, y: top, width: W, height: Math.max(0, bottom - top), fill: "rgba(46,204,113,0.18)", class: "band" }));
    }
    if (pts.length > 1) {
      box.append(svg("polyline", { points: pts.map(([i, v]) => `${x(i)},${y(v)}`).join(" "), fill: "none", stroke: "#4aa3ff", "stroke-width": 2 }));
    }
    // A value axis (the normal range's edges, or the data's) and each visit's value.
    const ticks = m.range ? m.range.green.filter((b) => b !== null && b >= lo && b <= hi) : [];
    for (const v of ticks.length ? ticks : [lo + pad, hi - pad]) {
      box.append(svg("line", { x1: 0, x2: W, y1: y(v), y2: y(v), stroke: "rgba(255,255,255,0.15)", "stroke-dasharray": "3 3" }));
      const lab = svg("text", { x: 2, y: y(v) - 2, fill: "#93a1b0", "font-size": 10, class: "axis" });
      lab.textContent = fmt(v, m.digits); box.append(lab);
    }
    for (const [i, v] of pts) {
      const c = svg("circle", { cx: x(i), cy: y(v), r: 4, fill: "#eef2f6", "data-value": v });
      const t = svg("title", {}); t.textContent = `${date(sessions[i].session.started_at)}: ${fmt(v, m.digits)}`;
      c.append(t); box.append(c);
      const lab = svg("text", { x: x(i), y: y(v) - 7, fill: "#eef2f6", "font-size": 11, "text-anchor": "middle", class: "value" });
      lab.textContent = fmt(v, m.digits); box.append(lab);
    }
    return box;
  }

  async function compare() {
    const [a, b] = [...selected].sort((p, q) => p.t - q.t).map((s) => s.id);
    const data = await api(`/api/runners/${id}/compare?a=${a}&b=${b}`);
    const tbody = document.querySelector("#diff tbody");
    const change = (r) => {  // the difference of the numbers as shown
      if (r.diff === null) return "–";
      const d = Number(fmt(r.after, r.digits)) - Number(fmt(r.before, r.digits));
      return (d > 0 ? "+" : "") + fmt(d, r.digits);
    };
    tbody.replaceChildren(...data.rows.map((r) => el("tr", { "data-metric": r.name },
      el("td", { class: "l" }, r.label),
      el("td", { class: r.before_verdict ? "v-" + r.before_verdict : "" }, fmt(r.before, r.digits)),
      el("td", { class: r.after_verdict ? "v-" + r.after_verdict : "" }, fmt(r.after, r.digits)),
      el("td", {}, change(r)),
      el("td", { class: "l" }, r.unit), el("td", { class: "l" }, rangeText(r)))));
    document.getElementById("before-after").hidden = false;
  }

  async function load() {
    const data = await api(`/api/runners/${id}/progress`);
    const r = data.runner;
    document.title = `treadwatch — ${r.name}`;
    document.getElementById("title").textContent = r.name;
    document.getElementById("name").value = r.name;
    document.getElementById("notes").value = r.notes;
    document.getElementById("consent").checked = r.consent_clips;
    document.getElementById("export-csv").href = `/api/runners/${id}/export.csv`;
    document.getElementById("export-json").href = `/api/runners/${id}/export.json`;
    // The numbers a therapist follows first, as every other screen shows them.
    const shown = data.metrics.filter((m) => VISIT_COLUMNS.includes(m.name));
    document.querySelector("#visits thead").replaceChildren(el("tr", {},
      el("th", {}), el("th", { class: "l" }, "Date"), el("th", { class: "l" }, ""), el("th", {}, "Duration"), el("th", {}, "Steps"),
      el("th", { class: "l" }, "Cue worked on"),
      ...shown.map((m) => el("th", { title: m.range ? m.range.source : "no range known" }, m.label, el("br", {}),
        el("span", { class: "muted" }, m.range ? `${m.unit} · ${rangeText(m)}` : m.unit)))));
    const tbody = document.querySelector("#visits tbody");
    tbody.replaceChildren();
    const compareBtn = document.getElementById("compare");
    for (const p of [...data.sessions].reverse()) {
      const s = p.session;
      const box = el("input", { type: "checkbox", "aria-label": "select for before/after" });
      box.addEventListener("change", () => {
        const i = selected.findIndex((x) => x.id === s.id);
        if (box.checked && i < 0) selected.push({ id: s.id, t: s.started_at });
        if (!box.checked && i >= 0) selected.splice(i, 1);
        compareBtn.disabled = selected.length !== 2;
      });
      tbody.append(el("tr", { "data-id": s.id },
        el("td", {}, box), el("td", { class: "l" }, date(s.started_at)),
        el("td", { class: "l" }, el("a", { href: `/review/session?id=${s.id}` }, "review"), " · ",
          el("a", { href: `/review/report?session=${s.id}` }, "report")),
        el("td", {}, duration(s.duration_s)),
        el("td", {}, s.n_strides), el("td", { class: "l" }, p.focus ? p.focus.cue : "–"),
        ...shown.map((m) => cell(p.metrics[m.name], m))));
    }
    document.getElementById("empty").hidden = data.sessions.length > 0;
    const measured = data.metrics.filter((m) => data.sessions.some((p) => p.metrics[m.name] && p.metrics[m.name].median !== null));
    document.getElementById("plots").replaceChildren(...measured.map((m) => el("div", { class: "plot" },
      el("div", { class: "title" }, el("span", {}, `${m.label} (${m.unit})`), el("span", { class: "muted" }, rangeText(m))),
      plot(m, data.sessions))));
    document.body.dataset.loaded = "true";
  }

  document.getElementById("compare").addEventListener("click", () => compare().catch(showError));
  document.getElementById("report").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams({ id });
    const from = document.getElementById("date-from").value, to = document.getElementById("date-to").value;
    if (from) q.set("date_from", from);
    if (to) q.set("date_to", to);
    location.href = "/runners/report?" + q;
  });
  document.getElementById("edit").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const body = await api(`/api/runners/${id}`, {
        method: "PUT", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          name: document.getElementById("name").value,
          notes: document.getElementById("notes").value,
          consent_clips: document.getElementById("consent").checked,
        }),
      });
      document.getElementById("edit-msg").textContent = "Saved" +
        (body.clips_deleted ? ` (${body.clips_deleted} clip(s) deleted)` : "");
      document.getElementById("title").textContent = body.name;
    } catch (err) { showError(err); }
  });
  document.getElementById("delete").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const mode = document.getElementById("delete-mode").value;
    const what = mode === "delete" ? "and ALL their sessions and clips" : "(their sessions stay as a guest's, clips deleted)";
    if (!confirm(`Delete ${document.getElementById("title").textContent} ${what}? This cannot be undone.`)) return;
    try {
      await api(`/api/runners/${id}?sessions=${mode}`, { method: "DELETE" });
      location.href = "/runners";
    } catch (err) { showError(err); }
  });

  if (!id) showError("no runner id in the address"); else load().catch(showError);
})();
