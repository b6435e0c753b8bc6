/* PIN form of the hub: on success go on to the page that asked (?next=/review...). */
"use strict";
document.getElementById("pin-form").addEventListener("submit", async ev => {
  ev.preventDefault();
  const input = document.getElementById("pin");
  const r = await fetch("/api/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ pin: input.value }), credentials: "same-origin",
  });
  input.value = "";
  if (r.ok) {
    const next = new URLSearchParams(location.search).get("next") || "/review";
    location.href = next.startsWith("/") && !next.startsWith("//") ? next : "/review";
    return;
  }
  let detail = "wrong PIN";
  try { detail = (await r.json()).detail || detail; } catch (e) { /* keep default */ }
  document.getElementById("pin-error").textContent = detail;
});
