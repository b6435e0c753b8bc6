/* Two sessions side by side (e.g. before / after a cue): each metric's session figure (as every
   other screen shows it: the catalogue's label, unit and digits) and their difference. */
"use strict";

(() => {
  const { el, api, date, duration, num, label } = TWR;

  async function main() {
    const a = TWR.param("a"), b = TWR.param("b");
    if (!a || !b) throw new Error("choose two sessions on the session list");
    const d = await api(`/api/review/compare?a=${a}&b=${b}`);
    const head = (tag, s) => el("div", {},
      el("div", { class: "num" }, `${tag}: ${date(s.started_at)}`),
      el("div", { class: "lbl" }, `${s.device_id}${s.source_name ? " · " + s.source_name : ""} · ` +
        `${duration(s.duration_s)} · ${s.n_strides} steps · cadence ${num(s.cadence_spm, 0)} · ${s.n_alerts} alerts · `,
        el("a", { href: `/review/session?id=${s.id}` }, "open")));
    document.getElementById("heads").replaceChildren(head("A", d.a), head("B", d.b));
    const tb = document.querySelector("#diff tbody");
    const cat = name => (d.catalogue || {})[name] || { label: label(name), unit: "", digits: undefined };
    const fig = (s, digits) => !s || s.value === null || s.value === undefined ? "–" : num(s.value, digits);
    tb.replaceChildren(...Object.entries(d.metrics).map(([name, m]) => el("tr", { "data-metric": name },
      el("td", { class: "l" }, cat(name).label), el("td", {}, cat(name).unit || m.unit),
      el("td", {}, fig(m.a, cat(name).digits)), el("td", {}, m.a ? m.a.n : 0),
      el("td", {}, fig(m.b, cat(name).digits)), el("td", {}, m.b ? m.b.n : 0),
      el("td", { class: "diff" }, m.diff === null ? "–" : (m.diff > 0 ? "+" : "") + num(m.diff, cat(name).digits)),
      el("td", {}, m.diff_pct === null ? "–" : (m.diff_pct > 0 ? "+" : "") + num(m.diff_pct, 1) + " %"))));
    const box = document.getElementById("plots");
    for (const name of Object.keys(d.metrics)) {
      const canvas = el("canvas", { "data-metric": name });
      box.append(el("div", { class: "plot" }, el("div", { class: "title" }, el("strong", {}, label(name)),
        el("span", { class: "muted" }, d.metrics[name].unit)), canvas));
      const pts = list => list.filter(s => name in s.metrics).map((s, i) => ({ x: i, y: s.metrics[name] }));
      TWPlot.draw(canvas, [
        { name: "A", color: "#93a1b0", points: pts(d.strides.a) },
        { name: "B", color: "#4aa3ff", points: pts(d.strides.b) },
      ], { xLabel: "step", unit: d.metrics[name].unit });
    }
    document.body.dataset.loaded = "true";
  }

  main().catch(TWR.showError);
})();
