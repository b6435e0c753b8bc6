/* Session list: filter by date and device, open, export, pick two to compare. */
"use strict";

(() => {
  const { el, api, date, duration, num } = TWR;
  const tbody = document.querySelector("#sessions tbody");
  const compareBtn = document.getElementById("compare");
  const selected = new Set();

  function updateCompare() {
    compareBtn.disabled = selected.size !== 2;
  }

  async function load() {
    const q = new URLSearchParams();
    const from = document.getElementById("date-from").value;
    const to = document.getElementById("date-to").value;
    const dev = document.getElementById("device").value;
    if (from) q.set("date_from", from);
    if (to) q.set("date_to", to);
    if (dev) q.set("device", dev);
    const data = await api("/api/review/sessions?" + q);
    const devSel = document.getElementById("device");
    const current = devSel.value;
    devSel.replaceChildren(el("option", { value: "" }, "All devices"),
      ...data.devices.map(d => el("option", { value: d }, d)));
    devSel.value = current;
    tbody.replaceChildren();
    selected.clear();
    updateCompare();
    for (const s of data.sessions) {
      const box = el("input", { type: "checkbox", "aria-label": "select for comparison" });
      box.addEventListener("change", () => {
        if (box.checked) selected.add(s.id); else selected.delete(s.id);
        updateCompare();
      });
      const where = s.device_id + (s.source_name ? ` (${s.source_name})` : "");
      const state = s.ended_at === null ? el("span", { class: "badge" }, "recording") :
        s.end_reason === "recovered" ? el("span", { class: "badge", title: "closed after a power cut or crash" }, "recovered") : "";
      tbody.append(el("tr", { "data-id": s.id },
        el("td", { class: "l" }, box),
        el("td", { class: "l" }, el("a", { href: `/review/session?id=${s.id}` }, date(s.started_at)), " ", state),
        el("td", {}, duration(s.duration_s)),
        el("td", {}, s.n_strides),
        el("td", {}, num(s.cadence_spm, 0)),
        el("td", {}, s.n_alerts),
        el("td", { class: "l", "data-col": "runner" }, s.runner || "guest"),
        el("td", { class: "l" }, where),
        el("td", { class: "l" },
          el("a", { href: `/api/review/sessions/${s.id}/export.csv` }, "CSV"), " · ",
          el("a", { href: `/api/review/sessions/${s.id}/export.json`, title: "the session analysed again (analyze --report schema)" }, "Analysis JSON"), " · ",
          el("a", { href: `/api/review/sessions/${s.id}/export.session.json` }, "Session JSON"))));
    }
    document.getElementById("empty").hidden = data.sessions.length > 0;
    document.body.dataset.loaded = "true";
  }

  document.getElementById("filters").addEventListener("submit", ev => {
    ev.preventDefault();
    load().catch(TWR.showError);
  });
  compareBtn.addEventListener("click", () => {
    const [a, b] = [...selected].sort((x, y) => x - y);
    location.href = `/review/compare?a=${a}&b=${b}`;
  });
  load().catch(TWR.showError);
})();
