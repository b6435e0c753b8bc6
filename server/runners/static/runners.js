/* The runner list: add a runner, open one's progress page. */
"use strict";

(() => {
  const { el, api, date, showError } = TWR;
  const tbody = document.querySelector("#runners tbody");

  async function load() {
    const data = await api("/api/runners");
    tbody.replaceChildren(...data.runners.map((r) => el("tr", { "data-id": r.id },
      el("td", { class: "l" }, el("a", { href: `/runners/runner?id=${r.id}` }, r.name)),
      el("td", {}, r.n_sessions),
      el("td", { class: "l" }, r.last_session_at ? date(r.last_session_at) : "–"),
      el("td", { class: "l" }, r.consent_clips ? "kept" : "not kept"),
      el("td", { class: "l muted" }, r.notes))));
    document.getElementById("empty").hidden = data.runners.length > 0;
    document.body.dataset.loaded = "true";
  }

  document.getElementById("add").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("/api/runners", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          name: document.getElementById("name").value,
          notes: document.getElementById("notes").value,
          consent_clips: document.getElementById("consent").checked,
        }),
      });
      ev.target.reset();
      await load();
    } catch (err) { showError(err); }
  });

  load().catch(showError);
})();
