// Print the pinned Vercel CLI's own command table as JSON: every command, its aliases, subcommands and
// options, and the global options. These are the objects `vercel <command> --help` renders (and that
// its argument parser reads); loading them once here costs one Node start instead of one per command.
// Used by tests/vendor_clis.py; run: node tools/vendor-clis/vercel-commands.mjs
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const chunks = join(dirname(fileURLToPath(import.meta.url)), "node_modules", "vercel", "dist", "chunks");

// The bundle's chunk names are content hashes: find chunks by what their `export { ... }` block names.
function exportsOf(file) {
  const text = readFileSync(join(chunks, file), "utf8");
  const at = text.lastIndexOf("\nexport {");
  return at < 0 ? "" : text.slice(at);
}
const files = readdirSync(chunks).filter((f) => f.endsWith(".js")).sort();
const load = (file) => import(pathToFileURL(join(chunks, file)).href);
async function exporting(name) {
  const file = files.find((f) => new RegExp(`\\b${name}\\b`).test(exportsOf(f)));
  if (!file) throw new Error(`no chunk of the Vercel CLI exports '${name}': its bundle layout changed (update this script)`);
  return load(file);
}

// `value`: the option takes an argument (every type but Boolean does).
const option = (o) => ({ name: o.name, shorthand: o.shorthand ?? null, value: o.type !== Boolean });
const command = (c) => ({
  name: c.name,
  aliases: c.aliases ?? [],
  options: (c.options ?? []).map(option),
  subcommands: (c.subcommands ?? []).map(command),
});

// The CLI's dispatch map (`commands`: alias -> command name) says which commands exist; their definitions
// are exported as `<name>Command` objects from the chunks that hold them (subcommands: `...Subcommand<n>`).
const table = await exporting("commandNames");
const { globalCommandOptions } = await exporting("globalCommandOptions");
const wanted = new Set(table.commands.values());
const found = new Map();
for (const file of files.filter((f) => /\b\w+Command\d*\b/.test(exportsOf(f)))) {
  for (const [id, value] of Object.entries(await load(file))) {
    if (/Command\d*$/.test(id) && value && wanted.has(value.name) && !found.has(value.name)) {
      found.set(value.name, command(value));
    }
  }
}
const version = JSON.parse(readFileSync(join(chunks, "..", "..", "package.json"), "utf8")).version;
process.stdout.write(JSON.stringify({
  version, global: globalCommandOptions.map(option), commands: [...found.values()],
  undefined: [...wanted].filter((name) => !found.has(name)).sort(),
}));
