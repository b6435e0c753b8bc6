/* treadwatch review: shared helpers (API calls behind the PIN, formatting). No dependencies. */
"use strict";

const TWR = (() => {
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null) e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  /* Ask for the PIN (the settings PIN) and log in; resolves when logged in. */
  function askPin(message) {
    return new Promise(resolve => {
      let box = document.getElementById("tw-pin");
      if (!box) {
        box = el("div", { id: "tw-pin", class: "pin" },
          el("form", {},
            el("strong", {}, "Review is for staff: enter the PIN"),
            el("input", { type: "password", inputmode: "numeric", autocomplete: "off", id: "tw-pin-input" }),
            el("div", { class: "error", id: "tw-pin-error" }),
            el("button", { type: "submit" }, "Unlock")));
        document.body.append(box);
      }
      box.hidden = false;
      document.getElementById("tw-pin-error").textContent = message || "";
      const form = box.querySelector("form");
      form.onsubmit = async ev => {
        ev.preventDefault();
        const pin = document.getElementById("tw-pin-input").value;
        const r = await fetch("/api/auth/login", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ pin }), credentials: "same-origin",
        });
        if (r.ok) { box.hidden = true; resolve(); return; }
        let detail = "wrong PIN";
        try { detail = (await r.json()).detail || detail; } catch (e) { /* keep default */ }
        document.getElementById("tw-pin-error").textContent = detail;
      };
    });
  }

  async function api(url, init) {
    for (;;) {
      // The custom header tells the server this is the page, not a form from elsewhere
      // (a request that changes something without a JSON body needs it).
      const opts = Object.assign({ credentials: "same-origin" }, init || {});
      opts.headers = Object.assign({ "X-Requested-With": "treadwatch" }, opts.headers || {});
      const r = await fetch(url, opts);
      if (r.status === 401) { await askPin(); continue; }
      if (!r.ok) {
        let detail = r.statusText;
        try { detail = (await r.json()).detail || detail; } catch (e) { /* not JSON */ }
        throw new Error(`${r.status}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
      }
      return r.json();
    }
  }

  function date(t) {
    const d = new Date(t * 1000);
    const p = n => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  }

  function duration(s) {
    s = Math.round(s);
    const m = Math.floor(s / 60), r = s % 60;
    return m ? `${m} min ${String(r).padStart(2, "0")} s` : `${r} s`;
  }

  function num(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    const a = Math.abs(v);
    const d = digits !== undefined ? digits : a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    return (+v).toFixed(d);
  }

  function label(name) {
    return name.replace(/_(deg|spm|pct|ms|cm|m|s)$/, "").replace(/_/g, " ");
  }

  function param(name) { return new URLSearchParams(location.search).get(name); }

  function showError(err) {
    const box = document.getElementById("error");
    if (box) { box.textContent = String(err.message || err); box.hidden = false; }
  }

  return { el, api, date, duration, num, label, param, showError };
})();
