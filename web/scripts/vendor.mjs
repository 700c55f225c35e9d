//! Copies the files of the map library the page uses from node_modules (installed from the npm
//! registry by `npm ci`) into web/vendor/, which is committed: the Rust build embeds them with
//! include_str!, so a fresh clone builds with plain `cargo build` and no network.
// Run after changing the leaflet version in package.json: `npm ci && npm run vendor`.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(web, "node_modules", "leaflet");
const to = join(web, "vendor", "leaflet");
mkdirSync(to, { recursive: true });
for (const [src, dst] of [
  ["dist/leaflet.js", "leaflet.js"],
  ["dist/leaflet.css", "leaflet.css"],
  ["LICENSE", "LICENSE"],
]) {
  copyFileSync(join(from, src), join(to, dst));
  console.log(`vendored leaflet/${src} -> vendor/leaflet/${dst}`);
}
