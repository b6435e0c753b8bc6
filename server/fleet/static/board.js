/* The hub's live board: every treadmill, in use or not, and what its runner is working on. */
"use strict";
(function () {
  const body = document.querySelector("#board tbody");
  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }
  function ago(t) {
    if (t == null) return "—";
    const s = Math.max(0, Date.now() / 1000 - t);
    return s < 60 ? `${Math.round(s)} s ago` : `${Math.round(s / 60)} min ago`;
  }
  function outboxNote(d) {
    // Messages waiting on the device, and those its full outbox dropped (fleet.outbox_max_mib).
    const parts = [];
    if (d.outbox) parts.push(`${d.outbox} queued`);
    if (d.outbox_dropped) parts.push(`${d.outbox_dropped} dropped`);
    return parts.length ? ` (${parts.join(", ")})` : "";
  }
  async function refresh() {
    try {
      const r = await fetch("/api/board", { cache: "no-store" });
      const data = await r.json();
      const broker = document.getElementById("broker");
      broker.textContent = data.broker_connected ? "broker connected" : "broker unreachable";
      broker.className = "pill " + (data.broker_connected ? "ok" : "bad");
      body.replaceChildren(...data.devices.map(d => {
        const tr = document.createElement("tr");
        tr.className = d.online ? d.state : d.state === "stopped" ? "idle" : "offline";
        tr.dataset.device = d.device;
        tr.append(
          cell(d.device),
          // Switched off cleanly: idle (not in use, nothing wrong); lost: offline.
          cell(d.online ? (d.state === "running" ? "in use" : "idle") : d.state === "stopped" ? "idle (switched off)" : "offline"),
          cell(d.runner_present ? "on the belt" : "—"),
          cell(d.cue || "—", "cue"),
          cell(d.cadence_spm != null ? `${d.cadence_spm.toFixed(0)} steps/min` : "—"),
          cell(d.online ? (d.health || "ok") + outboxNote(d) : "—"),
          cell(ago(d.last_seen)));
        return tr;
      }));
      document.getElementById("empty").hidden = data.devices.length > 0;
    } catch (e) {
      document.getElementById("broker").textContent = "hub unreachable";
    }
  }
  refresh();
  setInterval(refresh, 2000);
})();
