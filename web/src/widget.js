// The address autocomplete of adresse, for any web form and for the demo page.
//
//   <input id="address" name="address">
//   <script src="https://geocoder.example/widget.js" data-input="#address"></script>
//
// turns the input into an accessible combobox (ARIA 1.2 pattern: ↑ ↓ Enter Esc) whose choice
// fills hidden fields of the input's form: housenumber, street, postcode, city, citycode, lon,
// lat and ban_id (created when the form has none of that name). Options on the script tag:
//   data-input   CSS selector of the input(s) to enhance (required for the automatic mode)
//   data-prefix  prefix of the hidden fields' names (e.g. "billing_" → billing_postcode)
//   data-api     base URL of the geocoder (default: where this script was loaded from)
//   data-limit   suggestions shown (default 6)
// Every choice also fires an `adresse:select` event on the input with the GeoJSON feature.
// Without data-input, the script only defines window.AdresseWidget.attach(input, options).
(function () {
  "use strict";

  const script = document.currentScript;
  const FIELDS = ["housenumber", "street", "postcode", "city", "citycode", "lon", "lat", "ban_id"];
  const TYPE_NAMES = {
    housenumber: "numéro",
    street: "voie",
    locality: "lieu-dit",
    municipality: "commune",
  };
  const DEBOUNCE_MS = 150;
  const MIN_CHARS = 3;
  let instances = 0;

  /** The values written into the form's fields for a chosen feature. */
  function fieldValues(feature) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    return {
      housenumber: p.housenumber || "",
      street: p.street || (p.type === "street" ? p.name : ""),
      postcode: p.postcode || "",
      city: p.city || "",
      citycode: p.citycode || "",
      lon: String(lon),
      lat: String(lat),
      ban_id: p.id || "",
    };
  }

  /** Writes the feature into the hidden fields next to `input`, creating missing ones. */
  function fill(input, feature, prefix = "") {
    const values = fieldValues(feature);
    const scope = input.form || input.parentNode;
    for (const key of FIELDS) {
      const name = prefix + key;
      let field = Array.from(scope.querySelectorAll("input")).find((el) => el.name === name);
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = name;
        input.insertAdjacentElement("afterend", field);
      }
      field.value = values[key];
    }
    return values;
  }

  /** `label` as nodes, the parts matching words of `query` (accents and case aside) in <mark>. */
  function highlight(label, query) {
    const chars = Array.from(label);
    const marked = new Array(chars.length).fill(false);
    const foldedChars = chars.map((c) => c.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase());
    const folded = foldedChars.join("");
    // Index in `chars` of each character of `folded`.
    const owner = [];
    foldedChars.forEach((f, i) => {
      for (let k = 0; k < f.length; k++) owner.push(i);
    });
    const words = query
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 0);
    for (const w of words) {
      let at = folded.indexOf(w);
      while (at >= 0) {
        const startsWord = at === 0 || !/[a-z0-9]/.test(folded[at - 1]);
        if (startsWord) {
          for (let k = at; k < at + w.length; k++) marked[owner[k]] = true;
        }
        at = folded.indexOf(w, at + 1);
      }
    }
    const fragment = document.createDocumentFragment();
    let i = 0;
    while (i < chars.length) {
      let j = i;
      while (j < chars.length && marked[j] === marked[i]) j++;
      const text = document.createTextNode(chars.slice(i, j).join(""));
      if (marked[i]) {
        const mark = document.createElement("mark");
        mark.appendChild(text);
        fragment.appendChild(mark);
      } else {
        fragment.appendChild(text);
      }
      i = j;
    }
    return fragment;
  }

  function injectStyle() {
    if (document.getElementById("adresse-widget-style")) return;
    const style = document.createElement("style");
    style.id = "adresse-widget-style";
    style.textContent = `
.adresse-list{position:absolute;z-index:10000;margin:0;padding:0;list-style:none;background:#fff;
 border:1px solid #999;border-radius:4px;box-shadow:0 4px 12px rgba(0,0,0,.15);max-height:22em;
 overflow-y:auto;font:14px/1.3 system-ui,sans-serif;color:#222}
.adresse-option{padding:.45em .6em;cursor:pointer;border-bottom:1px solid #eee}
.adresse-option[aria-selected=true]{background:#e4ecfb}
.adresse-option mark{background:none;font-weight:700;color:inherit}
.adresse-meta{display:block;font-size:12px;color:#666}
.adresse-empty{padding:.45em .6em;color:#666}`;
    document.head.appendChild(style);
  }

  /**
   * Makes `input` an address combobox. options: api (base URL), limit, prefix, fill (write the
   * hidden fields, default true), onSelect(feature).
   */
  function attach(input, options = {}) {
    injectStyle();
    const api = (options.api || "").replace(/\/$/, "");
    const limit = options.limit || 6;
    const id = `adresse-list-${++instances}`;
    const list = document.createElement("ul");
    list.id = id;
    list.className = "adresse-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    document.body.appendChild(list);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.setAttribute("autocomplete", "off");

    let features = [];
    let active = -1;
    let timer = null;
    let pending = null;
    let asked = 0;

    function place() {
      const r = input.getBoundingClientRect();
      list.style.left = `${r.left + window.scrollX}px`;
      list.style.top = `${r.bottom + window.scrollY + 2}px`;
      list.style.minWidth = `${r.width}px`;
    }

    function open() {
      place();
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function setActive(i) {
      active = i;
      Array.from(list.children).forEach((li, k) => li.setAttribute("aria-selected", String(k === i)));
      if (i >= 0) {
        const li = list.children[i];
        input.setAttribute("aria-activedescendant", li.id);
        li.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(query) {
      list.textContent = "";
      features.forEach((f, i) => {
        const p = f.properties;
        const li = document.createElement("li");
        li.id = `${id}-${i}`;
        li.className = "adresse-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.type = p.type;
        li.appendChild(highlight(p.label, query));
        const meta = document.createElement("span");
        meta.className = "adresse-meta";
        meta.textContent = `${TYPE_NAMES[p.type] || p.type} · ${p.context} · score ${p.score.toFixed(2)}`;
        li.appendChild(meta);
        // mousedown, not click: the input keeps focus, so its blur does not close the list first.
        li.addEventListener("mousedown", (e) => {
          e.preventDefault();
          pick(i);
        });
        list.appendChild(li);
      });
      if (features.length === 0) {
        const li = document.createElement("li");
        li.className = "adresse-empty";
        li.textContent = "Aucune adresse trouvée";
        list.appendChild(li);
      }
      open();
    }

    async function lookup(query) {
      const ticket = ++asked;
      if (pending) pending.abort();
      pending = new AbortController();
      try {
        const url = `${api}/search/?q=${encodeURIComponent(query)}&limit=${limit}&autocomplete=1`;
        const response = await fetch(url, { signal: pending.signal });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const body = await response.json();
        if (ticket !== asked) return; // a newer keystroke's answer is on its way
        features = body.features;
        render(query);
        setActive(-1);
      } catch (e) {
        if (e.name !== "AbortError") close();
      }
    }

    function pick(i) {
      const feature = features[i];
      if (!feature) return;
      input.value = feature.properties.label;
      close();
      if (options.fill !== false) fill(input, feature, options.prefix || "");
      if (options.onSelect) options.onSelect(feature);
      input.dispatchEvent(new CustomEvent("adresse:select", { detail: feature, bubbles: true }));
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      const query = input.value.trim();
      if (query.length < MIN_CHARS) {
        asked++;
        features = [];
        close();
        return;
      }
      timer = setTimeout(() => lookup(query), DEBOUNCE_MS);
    });

    input.addEventListener("keydown", (e) => {
      const n = features.length;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (list.hidden && n > 0) open();
        if (n > 0) setActive((active + 1) % n);
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        if (list.hidden && n > 0) open();
        if (n > 0) setActive(active <= 0 ? n - 1 : active - 1);
      } else if (e.key === "Enter") {
        if (!list.hidden && active >= 0) {
          e.preventDefault(); // choosing a suggestion must not submit the form
          pick(active);
        }
      } else if (e.key === "Escape") {
        if (!list.hidden) {
          e.preventDefault();
          close();
        }
      }
    });

    input.addEventListener("blur", () => close());
    window.addEventListener("resize", () => {
      if (!list.hidden) place();
    });

    return { close, list };
  }

  window.AdresseWidget = { attach, fill, fieldValues, highlight };

  // Automatic mode: <script src=".../widget.js" data-input="#address">.
  if (script && script.dataset.input) {
    const options = {
      api: script.dataset.api || new URL(script.src, window.location.href).origin,
      prefix: script.dataset.prefix || "",
      limit: Number(script.dataset.limit) || 6,
    };
    const start = () =>
      document.querySelectorAll(script.dataset.input).forEach((input) => attach(input, options));
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", start);
    } else {
      start();
    }
  }
})();
