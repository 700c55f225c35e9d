// The demo page: search with autocomplete (the form widget's combobox) and a map, reverse
// geocoding on a click, and the CSV tab (preview, column choice, upload with progress, summary,
// download). Talks only to this server's public API, like any integrator would.
"use strict";

(function () {
  const TYPE_NAMES = {
    housenumber: "numéro",
    street: "voie",
    locality: "lieu-dit",
    municipality: "commune",
  };
  const ZOOM = { housenumber: 18, street: 16, locality: 15, municipality: 12 };
  const $ = (id) => document.getElementById(id);

  // ---- Tabs ----
  const tabs = [$("tab-search"), $("tab-csv")];
  function showTab(tab) {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute("aria-selected", String(selected));
      t.tabIndex = selected ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !selected;
    }
    if (tab.id === "tab-search") map.invalidateSize();
  }
  tabs.forEach((t, i) => {
    t.addEventListener("click", () => showTab(t));
    t.addEventListener("keydown", (e) => {
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        const next = tabs[(i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
        next.focus();
        showTab(next);
      }
    });
  });

  // ---- Map ----
  // Tiles only when the server was given a URL (ADRESSE_TILES): the page must work offline, on
  // a blank background that still shows the results and answers clicks.
  const map = L.map("map", { zoomControl: true }).setView([46.6, 2.4], 6);
  const tiles = document.body.dataset.tiles;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: "fond de carte : voir ADRESSE_TILES" }).addTo(map);
  } else {
    $("map").classList.add("no-tiles");
    map.attributionControl.addAttribution("sans fond de carte (ADRESSE_TILES pour en ajouter un)");
  }
  L.control.scale({ imperial: false }).addTo(map);
  const shown = L.layerGroup().addTo(map);
  // For the browser tests and the curious: the map and the last point clicked.
  window.adresseMap = { map, lastClick: null };

  function showFeature(feature, how, clicked) {
    shown.clearLayers();
    const [lon, lat] = feature.geometry.coordinates;
    if (clicked) {
      L.circleMarker(clicked, { radius: 5, className: "click-marker" }).addTo(shown);
    }
    L.circleMarker([lat, lon], { radius: 9, className: "result-marker" })
      .bindTooltip(feature.properties.label)
      .addTo(shown);
    if (clicked) {
      map.fitBounds(L.latLngBounds([clicked, [lat, lon]]).pad(0.5), { maxZoom: 18 });
    } else {
      map.setView([lat, lon], ZOOM[feature.properties.type] || 15);
    }
    describe(feature, how);
  }

  function describe(feature, how) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    const box = $("result");
    box.textContent = "";
    box.dataset.id = p.id;
    box.dataset.how = how;
    const title = document.createElement("h2");
    title.textContent = p.label;
    box.appendChild(title);
    const rows = [
      ["Type", TYPE_NAMES[p.type] || p.type],
      ["Score", p.score.toFixed(3)],
      ["Identifiant BAN", p.id],
      ["Code postal", p.postcode || "—"],
      ["Commune", `${p.city} (${p.citycode})`],
      ["Contexte", p.context],
      ["Coordonnées", `${lat.toFixed(6)}, ${lon.toFixed(6)}`],
    ];
    if (p.distance !== undefined) rows.push(["Distance au clic", `${p.distance} m`]);
    const dl = document.createElement("dl");
    for (const [k, v] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dl.append(dt, dd);
    }
    box.appendChild(dl);
  }

  function message(text) {
    const box = $("result");
    box.textContent = text;
    delete box.dataset.id;
  }

  // ---- Search ----
  AdresseWidget.attach($("q"), {
    api: "",
    limit: 7,
    fill: false,
    onSelect: (feature) => showFeature(feature, "search"),
  });

  // ---- Reverse on click ----
  map.on("click", async (e) => {
    const { lat, lng } = e.latlng;
    window.adresseMap.lastClick = e.latlng;
    message("Recherche de l'adresse la plus proche…");
    try {
      const url = `/reverse/?lon=${lng.toFixed(6)}&lat=${lat.toFixed(6)}`;
      const response = await fetch(url);
      const body = await response.json();
      if (!response.ok) {
        message(`${body.title} : ${body.description}`);
      } else if (body.features.length === 0) {
        shown.clearLayers();
        L.circleMarker([lat, lng], { radius: 5, className: "click-marker" }).addTo(shown);
        message("Aucune adresse à moins de 10 km de ce point.");
      } else {
        showFeature(body.features[0], "reverse", [lat, lng]);
      }
    } catch (err) {
      message(`Le serveur ne répond pas (${err.message}).`);
    }
  });

  // ---- CSV ----
  let file = null;
  let header = [];
  const ADDRESS_LIKE = /adr|addr|voie|rue|street|num|ville|commune|city|cp|postal|code_?post|lieu/i;

  const drop = $("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length > 0) load(e.dataTransfer.files[0]);
  });
  $("file").addEventListener("change", (e) => {
    if (e.target.files.length > 0) load(e.target.files[0]);
  });

  async function load(f) {
    file = f;
    // The first 64 KiB are plenty for a preview; the file itself is never read whole here.
    const head = await f.slice(0, 65536).text();
    const rows = AdresseCsv.parse(head, AdresseCsv.detectDelimiter(head), 6);
    header = rows[0] || [];
    $("csv-name").textContent = `${f.name} (${formatBytes(f.size)})`;
    const table = $("preview");
    table.textContent = "";
    rows.forEach((r, i) => {
      const tr = document.createElement("tr");
      for (const v of r) {
        const cell = document.createElement(i === 0 ? "th" : "td");
        cell.textContent = v;
        tr.appendChild(cell);
      }
      table.appendChild(tr);
    });
    const columns = $("columns");
    columns.textContent = "";
    const guessed = header.filter((h) => ADDRESS_LIKE.test(h));
    for (const h of header) {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = h;
      box.checked = guessed.length === 0 || guessed.includes(h);
      label.append(box, ` ${h}`);
      columns.appendChild(label);
    }
    for (const id of ["postcode-column", "citycode-column"]) {
      const select = $(id);
      select.textContent = "";
      select.appendChild(new Option("(aucun)", ""));
      for (const h of header) select.appendChild(new Option(h, h));
    }
    $("summary").textContent = "";
    $("progress-text").textContent = "";
    $("download").hidden = true;
    $("csv-setup").hidden = false;
  }

  document.querySelectorAll('input[name="mode"]').forEach((radio) =>
    radio.addEventListener("change", () => {
      const reverse = mode() === "reverse";
      $("address-columns").hidden = reverse;
      $("filters").hidden = reverse;
      $("run").textContent = reverse ? "Trouver les adresses" : "Géocoder le fichier";
    })
  );
  const mode = () => document.querySelector('input[name="mode"]:checked').value;

  $("run").addEventListener("click", () => {
    if (!file) return;
    const form = new FormData();
    if (mode() === "search") {
      for (const box of $("columns").querySelectorAll("input:checked")) form.append("columns", box.value);
      if ($("postcode-column").value) form.append("postcode", $("postcode-column").value);
      if ($("citycode-column").value) form.append("citycode", $("citycode-column").value);
    }
    // The file goes last: the server then geocodes rows while the upload is still arriving.
    form.append("data", file, file.name);
    upload(form, mode() === "search" ? "/search/csv/" : "/reverse/csv/");
  });

  function upload(form, url) {
    const xhr = new XMLHttpRequest();
    const progress = $("progress");
    const text = $("progress-text");
    $("run").disabled = true;
    $("download").hidden = true;
    $("summary").textContent = "";
    progress.hidden = false;
    progress.value = 0;
    xhr.open("POST", url);
    xhr.responseType = "blob";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        progress.value = (100 * e.loaded) / e.total;
        text.textContent = `Envoi : ${formatBytes(e.loaded)} / ${formatBytes(e.total)}`;
      }
    };
    xhr.onprogress = (e) => {
      text.textContent = `Résultat reçu : ${formatBytes(e.loaded)}`;
    };
    xhr.onerror = () => {
      $("run").disabled = false;
      text.textContent = "Le serveur ne répond pas.";
    };
    xhr.onload = async () => {
      $("run").disabled = false;
      progress.value = 100;
      if (xhr.status !== 200) {
        let detail = `HTTP ${xhr.status}`;
        try {
          const body = JSON.parse(await xhr.response.text());
          detail = `${body.title} : ${body.description}`;
        } catch (_) {
          /* not JSON: keep the status */
        }
        text.textContent = `Échec — ${detail}`;
        return;
      }
      const output = await xhr.response.text();
      const counts = AdresseCsv.summarise(output);
      text.textContent = "Terminé.";
      const summary = $("summary");
      summary.textContent = "";
      for (const [cls, label, n] of [
        ["rows", "lignes", counts.rows],
        ["ok", "trouvées", counts.ok],
        ["not-found", "non trouvées", counts.notFound],
        ["errors", "en erreur", counts.errors],
      ]) {
        const span = document.createElement("span");
        span.className = `count ${cls}`;
        span.dataset.count = String(n);
        span.textContent = `${n} ${label}`;
        summary.appendChild(span);
      }
      const link = $("download");
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(xhr.response);
      link.download = outputName(xhr.getResponseHeader("Content-Disposition"), file.name);
      link.hidden = false;
    };
    xhr.send(form);
  }

  function outputName(disposition, input) {
    const m = /filename="?([^";]+)"?/.exec(disposition || "");
    return m ? m[1] : input.replace(/\.[^.]*$/, "") + ".geocoded.csv";
  }

  function formatBytes(n) {
    if (n < 1024) return `${n} o`;
    if (n < 1 << 20) return `${(n / 1024).toFixed(1)} Kio`;
    return `${(n / (1 << 20)).toFixed(1)} Mio`;
  }
})();
