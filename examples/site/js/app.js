// The bundled site's script: marks the page as live, renders the feature cards from
// /data/features.json, asks /healthz how the server is, and counts clicks.
"use strict";

function setStatus(text) {
  const status = document.getElementById("js-status");
  if (!status) return;
  status.textContent = text;
  status.dataset.ready = "yes";
}

async function loadFeatures() {
  const list = document.getElementById("features");
  if (!list) return;
  const response = await fetch("/data/features.json", { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error("features.json: HTTP " + response.status);
  const features = await response.json();
  for (const feature of features) {
    const item = document.createElement("li");
    const title = document.createElement("h3");
    title.textContent = feature.title;
    const text = document.createElement("p");
    text.textContent = feature.text;
    item.append(title, text);
    list.append(item);
  }
  list.dataset.count = String(features.length);
}

async function checkHealth() {
  const health = document.getElementById("health");
  if (!health) return;
  try {
    const response = await fetch("/healthz", { cache: "no-store" });
    health.textContent = response.ok ? "ok (" + response.status + ")" : "unhealthy (" + response.status + ")";
  } catch (err) {
    health.textContent = "unreachable";
  }
}

function wireCounter() {
  const button = document.getElementById("counter");
  if (!button) return;
  let clicks = 0;
  button.addEventListener("click", () => {
    clicks += 1;
    button.textContent = String(clicks);
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  const loaded = document.getElementById("loaded-at");
  if (loaded) loaded.textContent = new Date().toLocaleString();
  wireCounter();
  setStatus("JavaScript is running.");
  try {
    await Promise.all([loadFeatures(), checkHealth()]);
    document.body.dataset.appReady = "yes";
  } catch (err) {
    setStatus("JavaScript ran, but: " + err.message);
    document.body.dataset.appReady = "error";
  }
});
