// SphereGallery web page: a thin client of the v1 API. The key lives in sessionStorage
// (gone when the tab closes) and is sent as a Bearer token.
"use strict";

const $ = (id) => document.getElementById(id);
let apiKey = sessionStorage.getItem("sphere-gallery-key") || "";
let nextAfter = null;

async function api(method, path, body) {
  const init = { method, headers: { Authorization: "Bearer " + apiKey } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || data.title || ("HTTP " + response.status));
  return data;
}

function showApp(loggedIn) {
  $("login-panel").hidden = loggedIn;
  $("app").hidden = !loggedIn;
  $("logout").hidden = !loggedIn;
}

async function logIn(key) {
  apiKey = key;
  try {
    const stats = await api("GET", "/v1/gallery");
    sessionStorage.setItem("sphere-gallery-key", key);
    $("gallery-info").textContent = `${stats.identities} people, ${stats.templates} templates · ${stats.model}`;
    $("login-error").textContent = "";
    showApp(true);
    loadPeople(true);
  } catch (e) {
    apiKey = "";
    sessionStorage.removeItem("sphere-gallery-key");
    $("login-error").textContent = e.message;
    showApp(false);
  }
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  logIn($("key").value.trim());
});

$("logout").addEventListener("click", () => {
  apiKey = "";
  sessionStorage.removeItem("sphere-gallery-key");
  $("gallery-info").textContent = "";
  showApp(false);
});

// Identify: the photo drawn on a canvas with each face's box, name or "unknown", and cosine.
$("identify-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("identify-file").files[0];
  if (!file) return;
  $("identify-status").textContent = "Identifying…";
  $("identify-results").replaceChildren();
  const form = new FormData();
  form.append("image", file, file.name);
  try {
    const [result, image] = await Promise.all([api("POST", "/v1/identify", form), loadImage(file)]);
    drawFaces(image, result.faces);
    $("identify-status").textContent = result.faces.length === 0 ? "No face found." : `${result.faces.length} face(s).`;
    for (const face of result.faces) {
      const li = document.createElement("li");
      const best = face.candidates[0];
      li.className = face.decision === "unknown" ? "unknown" : "known";
      li.textContent = `Face ${face.face + 1}: ${face.decision}` + (best ? ` (best ${best.identity}, cosine ${best.cosine.toFixed(3)})` : "");
      $("identify-results").append(li);
    }
  } catch (e) {
    $("identify-status").textContent = "Error: " + e.message;
  }
});

function loadImage(file) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("the browser cannot show this image"));
    image.src = URL.createObjectURL(file);
  });
}

function drawFaces(image, faces) {
  const canvas = $("identify-canvas");
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const g = canvas.getContext("2d");
  g.drawImage(image, 0, 0);
  const line = Math.max(2, Math.round(image.naturalWidth / 200));
  g.lineWidth = line;
  g.font = `${Math.max(12, line * 6)}px system-ui, sans-serif`;
  for (const face of faces) {
    const [x0, y0, x1, y1] = face.box;
    const known = face.decision !== "unknown";
    g.strokeStyle = known ? "#1fbf5f" : "#e5484d";
    g.strokeRect(x0, y0, x1 - x0, y1 - y0);
    const best = face.candidates[0];
    const label = face.decision + (best ? " " + best.cosine.toFixed(2) : "");
    const height = parseInt(g.font, 10) + 4;
    g.fillStyle = g.strokeStyle;
    g.fillRect(x0, Math.max(0, y0 - height), g.measureText(label).width + 8, height);
    g.fillStyle = "#fff";
    g.fillText(label, x0 + 4, Math.max(height - 4, y0 - 4));
  }
}

// Enrol: one request with every photo; the answer comes after the gallery has committed.
$("enrol-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("enrol-name").value.trim();
  const files = $("enrol-files").files;
  if (!name || files.length === 0) return;
  $("enrol-status").textContent = "Enrolling…";
  $("enrol-results").replaceChildren();
  const form = new FormData();
  for (const file of files) form.append("image", file, file.name);
  try {
    const result = await api("POST", `/v1/identities/${encodeURIComponent(name)}/faces`, form);
    const enrolled = result.results.filter((r) => r.outcome === "enrolled").length;
    $("enrol-status").textContent = `${result.identity}: ${enrolled} of ${result.results.length} photo(s) enrolled.`;
    for (const r of result.results) {
      const li = document.createElement("li");
      li.textContent = `${r.file}: ${r.outcome}` + (r.detail ? ` (${r.detail})` : "");
      $("enrol-results").append(li);
    }
    loadPeople(true);
  } catch (e) {
    $("enrol-status").textContent = "Error: " + e.message;
  }
});

// People: paged list, search by name, remove.
async function loadPeople(fresh) {
  if (fresh) { nextAfter = null; $("people").tBodies[0].replaceChildren(); }
  const params = new URLSearchParams({ limit: "50" });
  const q = $("search").value.trim();
  if (q) params.set("q", q);
  if (nextAfter) params.set("after", nextAfter);
  try {
    const page = await api("GET", "/v1/identities?" + params);
    for (const person of page.identities) $("people").tBodies[0].append(personRow(person));
    nextAfter = page.next;
    $("more").hidden = !page.next;
    const rows = $("people").tBodies[0].rows.length;
    $("people-status").textContent = rows === 0 ? "Nobody found." : "";
  } catch (e) {
    $("people-status").textContent = "Error: " + e.message;
  }
}

function personRow(person) {
  const tr = document.createElement("tr");
  for (const text of [person.identity, String(person.templates), person.created.slice(0, 10)]) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  }
  const td = document.createElement("td");
  const remove = document.createElement("button");
  remove.textContent = "Remove";
  remove.className = "remove";
  remove.addEventListener("click", async () => {
    if (!confirm(`Remove ${person.identity} and all their templates?`)) return;
    try {
      await api("DELETE", `/v1/identities/${encodeURIComponent(person.identity)}`);
      tr.remove();
      $("people-status").textContent = `Removed ${person.identity}.`;
    } catch (e) {
      $("people-status").textContent = "Error: " + e.message;
    }
  });
  td.append(remove);
  tr.append(td);
  return tr;
}

$("search-form").addEventListener("submit", (event) => { event.preventDefault(); loadPeople(true); });
$("more").addEventListener("click", () => loadPeople(false));

if (apiKey) logIn(apiKey); else showApp(false);
