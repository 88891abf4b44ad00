// Validates CSAF 2.0 documents with the official Secvisogram library
// (@secvisogram/csaf-validator-lib, installed by csaf_validator.sh into target/oracles/csaf):
// the strict CSAF 2.0 JSON schema test and every mandatory test (section 6.1) must pass; the
// optional (6.2) and informative (6.3) tests only print warnings. Informative tests 6.3.6 and
// 6.3.7 (they fetch URLs) and 6.3.8 (spell check with hunspell) are not run.
//
// Usage: node csaf_validate.mjs FILE...    one line per file, "FILE: valid CSAF 2.0 (N tests)"
//                                          or "FILE: INVALID", then the failing tests
//        node csaf_validate.mjs --check    only loads the library
// Exit status: 0 when every file is valid, 1 when one is not, 2 on a usage or load error.
// CSAF_VALIDATOR_LIB overrides where the library is.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const lib =
  process.env.CSAF_VALIDATOR_LIB ??
  join(resolve(here, '../../../..'), 'target/oracles/csaf/node_modules/@secvisogram/csaf-validator-lib')
const load = (file) => import(pathToFileURL(join(lib, file)).href)

let schema, mandatory, optional, informative, validateStrict
try {
  schema = await load('schemaTests.js')
  mandatory = await load('mandatoryTests.js')
  optional = await load('optionalTests.js')
  informative = await load('informativeTests.js')
  validateStrict = (await load('validateStrict.js')).default
} catch (e) {
  console.error(`csaf_validate.mjs: cannot load the validator from ${lib}: ${e.message}`)
  console.error('run: bash crates/report/tests/oracles/csaf_validator.sh')
  process.exit(2)
}
const { version } = JSON.parse(readFileSync(join(lib, 'package.json'), 'utf8'))

const skipped = new Set(['informativeTest_6_3_6', 'informativeTest_6_3_7', 'informativeTest_6_3_8'])
const required = [schema.csaf_2_0_strict, ...Object.values(mandatory)]
const advisory = [...Object.values(optional), ...Object.values(informative)].filter(
  (t) => !skipped.has(t.name)
)
if (required.length < 40 || required.some((t) => typeof t !== 'function')) {
  console.error(`csaf_validate.mjs: expected the schema test and the mandatory tests, got ${required.length}`)
  process.exit(2)
}

const args = process.argv.slice(2)
if (args[0] === '--check') {
  console.log(`csaf-validator-lib ${version}: ${required.length} required tests, ${advisory.length} advisory tests`)
  process.exit(0)
}
if (args.length === 0) {
  console.error('usage: node csaf_validate.mjs FILE...')
  process.exit(2)
}

const describe = (list) =>
  list.map((e) => `${e.instancePath || '/'}: ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`)

let failed = false
for (const file of args) {
  let doc
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    console.log(`${file}: INVALID`)
    console.log(`  not JSON: ${e.message}`)
    failed = true
    continue
  }
  const must = await validateStrict(required, doc)
  const may = await validateStrict(advisory, doc)
  const bad = must.tests.filter((t) => !t.isValid || t.errors.length > 0)
  if (bad.length === 0) {
    console.log(`${file}: valid CSAF 2.0 (${must.tests.length} tests, csaf-validator-lib ${version})`)
  } else {
    failed = true
    console.log(`${file}: INVALID`)
    for (const t of bad) {
      for (const line of describe(t.errors)) console.log(`  ${t.name}: ${line}`)
      if (t.errors.length === 0) console.log(`  ${t.name}: failed`)
    }
  }
  for (const t of [...must.tests, ...may.tests]) {
    for (const line of describe(t.warnings)) console.log(`  warning ${t.name}: ${line}`)
    if (may.tests.includes(t)) {
      for (const line of describe(t.errors)) console.log(`  warning ${t.name}: ${line}`)
    }
    for (const line of describe(t.infos)) console.log(`  info ${t.name}: ${line}`)
  }
}
process.exit(failed ? 1 : 0)
