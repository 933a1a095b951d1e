// Prints the licence of every package bundled into ../tiptap.min.js (from esbuild's
// metafile), for ../LICENSES.txt.
const fs = require("fs");
const path = require("path");
const meta = JSON.parse(fs.readFileSync("meta.json", "utf8"));
const packages = new Set();
for (const input of Object.keys(meta.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) packages.add(m[1]);
}
const out = [];
for (const name of [...packages].sort()) {
  const dir = path.join("node_modules", name);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const file = fs.readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  out.push(`${"=".repeat(72)}\n${name} ${pkg.version} (${pkg.license})\n${"=".repeat(72)}\n`);
  out.push(fs.readFileSync(path.join(dir, file), "utf8").trim() + "\n\n");
}
process.stdout.write(out.join(""));
