// Compiles each browser-check script as Checkly's runtime would load it and reports, as JSON, the tests it
// registers, the modules it requires and the environment variables it reads at load time. Cheap: one Node
// start, no browser, no network (tests/test_browser_checks.py).
// Usage: node tools/browser-checks/inspect.mjs FILE...
import { readFileSync } from 'node:fs'
import vm from 'node:vm'

const report = []
for (const file of process.argv.slice(2)) {
  const source = readFileSync(file, 'utf8')
  const tests = []
  const requires = []
  const env = new Set()
  const test = (title) => { tests.push(title) }
  const playwright = { test: Object.assign(test, { describe: test, step: test }), expect: () => ({}) }
  const context = {
    require: (name) => { requires.push(name); return playwright },
    process: { env: new Proxy({}, { get: (_, key) => { env.add(String(key)); return undefined } }) },
    console, Date, Number, String, JSON, URL, Math,
  }
  new vm.Script(source, { filename: file }).runInNewContext(context)
  report.push({ file, tests, requires, env: [...env].sort() })
}
process.stdout.write(JSON.stringify(report))
